/** Spec R82: failures travel as data and come back as the same typed error. */
import { describe, expect, it } from 'vitest';
import {
  ClientClosedError,
  ConnackError,
  ConnectHookError,
  DecodeError,
  type ErrorData,
  errorFromData,
  InvalidArgumentError,
  MessageDroppedError,
  type MqttError,
  NotConnectedError,
  ProtocolError,
  ProtocolViolationError,
  PublishRefusedError,
  ServerDisconnectError,
  SizeLimitError,
  TimeoutError,
  TransportError,
} from './errors.js';

describe('errorFromData (R82)', () => {
  it.each<[string, MqttError]>([
    ['ConnackError', new ConnackError(4)],
    // R242: an MQTT 5 refusal keeps its reason code and the message naming it.
    ['ConnackError', new ConnackError(0x87, 'connection refused: Not authorized (reason code 0x87)')],
    // R240: the broker's DISCONNECT keeps its reason code.
    [
      'ServerDisconnectError',
      new ServerDisconnectError(0x8b, 'the server sent DISCONNECT: Server shutting down (reason code 0x8B)'),
    ],
    ['TimeoutError', new TimeoutError('PING_TIMEOUT', 'no PINGRESP within 30000 ms')],
    ['TimeoutError', new TimeoutError('WAIT_TIMEOUT', 'the client was not connected within 5 ms')],
    ['TransportError', new TransportError('tcp connect: ECONNREFUSED')],
    ['TransportError', new TransportError('the connection was closed', { code: 'TRANSPORT_CLOSED' })],
    ['ConnectHookError', new ConnectHookError('connect hook failed: down')],
    ['ProtocolError', new ProtocolError('PUBLISH before CONNACK')],
    // R140: an MQTT 5 violation keeps the reason code its DISCONNECT carries.
    [
      'ProtocolViolationError',
      new ProtocolViolationError(0x82, 'PUBACK packet identifier 0 (0x82 Protocol Error)'),
    ],
    // R244: a PUBACK/PUBREC failure keeps its reason code.
    [
      'PublishRefusedError',
      new PublishRefusedError(
        0x87,
        'the broker refused the publish to "a": PUBACK Not authorized (reason code 0x87)',
      ),
    ],
    ['SizeLimitError', new SizeLimitError('PAYLOAD_TOO_LARGE', 11, 10, 'session.maxQueueBytes')],
    ['SizeLimitError', new SizeLimitError('PACKET_TOO_LARGE', 4100, 1024)],
    ['ClientClosedError', new ClientClosedError()],
    ['NotConnectedError', new NotConnectedError()],
    [
      'MessageDroppedError',
      new MessageDroppedError('QUEUE_FULL', 'the queue holds session.maxQueueLength = 5 messages'),
    ],
    ['InvalidArgumentError', new InvalidArgumentError('qos must be 0, 1 or 2')],
  ])('%s survives the trip through plain data', (name, error) => {
    const data: ErrorData = JSON.parse(JSON.stringify(error.toData()));
    const back = errorFromData(data);
    expect(back.name).toBe(name);
    expect(back).toBeInstanceOf(error.constructor);
    expect(back.code).toBe(error.code);
    expect(back.message).toBe(error.message);
    expect(back.toData()).toEqual(error.toData());
  });

  it('a ConnackError names the return code and its meaning; an unknown code says so', () => {
    expect(new ConnackError(2).message).toBe('connection refused: identifier rejected (return code 2)');
    expect(new ConnackError(9).message).toBe('connection refused: unknown reason (return code 9)');
  });

  it('a DecodeError names the topic and the parser error', () => {
    const error = new DecodeError('a/b', { cause: new SyntaxError('Unexpected token') });
    expect(error.message).toBe('could not decode the payload on "a/b": Unexpected token');
    expect(error.code).toBe('DECODE_FAILED');
  });
});
