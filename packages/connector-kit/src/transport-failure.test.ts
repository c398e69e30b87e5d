import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCode, GipkitError, PluginError } from '@gipkit/plugin-api';
import { positiveOption, reasonIn, TransportError, transportFailures } from './transport-failure.js';

const Failure = { Refused: 'refused', Closed: 'closed', Denied: 'denied' } as const;
type Failure = (typeof Failure)[keyof typeof Failure];

const failures = transportFailures<Failure>({
  transport: 'the test transport',
  means: {
    refused: { code: ErrorCode.ConnectionRefused, text: 'the guest does not answer' },
    closed: { code: ErrorCode.ConnectionDropped, text: 'the connection closed' },
    denied: { code: ErrorCode.ConnectionAuthFailed, text: 'the guest rejected the account' },
  },
  dropped: 'closed',
});

describe('transportFailures', () => {
  it('maps each reason to its code, naming the step and the meaning, never the transport\'s own message', () => {
    const error = failures.toConnectorError(new TransportError<Failure>('denied', 'password hunter2 wrong'), 'connect to vm-1 from p-1', true);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code: ErrorCode.ConnectionAuthFailed, message: 'connect to vm-1 from p-1: the guest rejected the account' });
    expect(error.message).not.toContain('hunter2');
    expect((error as Error).cause).toBeInstanceOf(TransportError);
  });

  it('a connection that goes away while it opens was refused; later it dropped', () => {
    const closed = new TransportError<Failure>('closed', 'reset');
    expect(failures.toConnectorError(closed, 'connect', true).code).toBe(ErrorCode.ConnectionRefused);
    expect(failures.toConnectorError(closed, 'run', false).code).toBe(ErrorCode.ConnectionDropped);
  });

  it('any other error is GIPKIT_CONNECTOR_FAILED naming the transport; a GipkitError passes through', () => {
    expect(failures.toConnectorError(new Error('secret in here'), 'upload x', false)).toMatchObject({
      code: ErrorCode.ConnectorFailed, message: 'upload x: the test transport failed',
    });
    const own = new ConnectorError(ErrorCode.ConnectionTimedOut, 'timed out');
    expect(failures.toConnectorError(own, 'run', false)).toBe(own);
    expect(own).toBeInstanceOf(GipkitError);
  });

  it('reasons are data: an inherited or prototype-named reason is not one of the transport\'s', () => {
    expect(failures.reasonOf({ reason: 'refused' })).toBe('refused');
    expect(failures.reasonOf(Object.create({ reason: 'refused' }))).toBeUndefined();
    for (const reason of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 42, undefined]) {
      expect(failures.reasonOf({ reason }), String(reason)).toBeUndefined();
      expect(reasonIn(Failure, { reason }), String(reason)).toBeUndefined();
    }
    expect(failures.toConnectorError({ reason: 'toString' }, 'run', false).code).toBe(ErrorCode.ConnectorFailed);
    expect(reasonIn(Failure, new TransportError('closed', 'x'))).toBe('closed');
    expect(reasonIn(Failure, null)).toBeUndefined();
  });
});

describe('positiveOption', () => {
  it('gives the default when the option is not given, and the value when it is positive', () => {
    expect(positiveOption('@acme/p', 'pollIntervalMs', undefined, 500)).toBe(500);
    expect(positiveOption('@acme/p', 'pollIntervalMs', 20, 500)).toBe(20);
  });

  it('refuses zero, negatives, NaN and infinity with a PluginError naming the plugin, the option and the value', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      let thrown: unknown;
      try {
        positiveOption('@acme/p', 'maxOutputBytes', bad, 1);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(PluginError);
      expect(thrown).toMatchObject({ code: ErrorCode.PluginInvalid, message: expect.stringContaining(`maxOutputBytes must be a positive number of bytes (found ${String(bad)})`) });
    }
    expect(() => positiveOption('@acme/p', 'closeTimeoutMs', -5, 1)).toThrow(/closeTimeoutMs must be a positive number of milliseconds/);
  });
});
