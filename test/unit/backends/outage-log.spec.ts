import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { OutageLog } from '../../../lib/backends/outage-log.js';

describe('OutageLog', () => {
  let error: ReturnType<typeof jest.spyOn>;
  let log: ReturnType<typeof jest.spyOn>;

  beforeEach(() => {
    jest.useFakeTimers();
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('logs an outage once and its end once, whoever reports them', () => {
    const outage = new OutageLog('orders');
    outage.recovered();
    outage.failed('first');
    outage.failed('second');
    expect(outage.isDown).toBe(true);
    outage.recovered();
    outage.recovered();
    expect(error.mock.calls).toEqual([['first']]);
    expect(log.mock.calls).toEqual([["Cache 'orders' reaches its server again."]]);
    outage.failed('next outage');
    expect(error).toHaveBeenCalledTimes(2);
  });

  it('PINGs once a second while down, and ends the outage at the first answer', async () => {
    const outage = new OutageLog('orders');
    let answers = false;
    const probe = jest.fn(async () => {
      if (!answers) throw new Error('still down');
      return 'PONG';
    });
    outage.probeWith(probe);
    outage.failed('down');
    await jest.advanceTimersByTimeAsync(999);
    expect(probe).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(probe).toHaveBeenCalledTimes(1);
    expect(outage.isDown).toBe(true);
    answers = true;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(probe).toHaveBeenCalledTimes(2);
    expect(outage.isDown).toBe(false);
    expect(log).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(probe).toHaveBeenCalledTimes(2);
  });

  it('stops probing and logging once closed', async () => {
    const outage = new OutageLog('orders');
    const probe = jest.fn(async () => 'PONG');
    outage.probeWith(probe);
    outage.failed('down');
    outage.close();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(probe).not.toHaveBeenCalled();
    outage.recovered();
    expect(log).not.toHaveBeenCalled();
    outage.failed('after close');
    expect(error).toHaveBeenCalledTimes(1);
  });
});
