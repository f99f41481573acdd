/**
 * `-D COMMAND IDENTIFIER VALUE` (`--property`), as mosquitto_pub and mosquitto_sub take it: MQTT 5
 * properties of the PUBLISH (`pub`) or the SUBSCRIBE (`sub`), spec R301-R302. `user-property`
 * takes two values, a name and a value. Taken out of the arguments before the other options are
 * parsed, since `node:util`'s `parseArgs` gives an option one value only.
 *
 * @module
 */
import type { MessageProperties, SubscriptionOptionsV5, UserProperty } from '../../index.js';
import { usage } from './exitCodes.js';

/** What `-D` set, per command. */
export interface CliProperties {
  /** `-D publish ...`: the publish's properties. */
  readonly publish?: MessageProperties;
  /** `-D subscribe subscription-identifier N`. */
  readonly subscribe?: SubscriptionOptionsV5;
}

/** The identifiers each command takes (mosquitto's names). */
export const CLI_PROPERTIES = {
  publish: [
    'content-type',
    'correlation-data',
    'message-expiry-interval',
    'payload-format-indicator',
    'response-topic',
    'user-property',
  ],
  subscribe: ['subscription-identifier'],
} as const;

/** `-D` in a command's help. */
export function propertyHelp(command: keyof typeof CLI_PROPERTIES): string {
  return `  -D, --property ${command} IDENTIFIER VALUE
                           an MQTT 5 property (needs -V 5), repeatable: ${CLI_PROPERTIES[command].join(', ')}${command === 'publish' ? '\n                           (user-property takes NAME VALUE)' : ''}`;
}

function integerValue(identifier: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw usage(`-D ${identifier} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/**
 * Takes every `-D` / `--property` out of `args` (R301).
 * @param args - The command's arguments.
 * @param command - The one command `-D` may name here (`publish` for pub, `subscribe` for sub).
 * @returns The other arguments, and the properties.
 * @throws {@link CliError} (usage) on a missing value, another command, or an unknown identifier.
 */
export function takeProperties(
  args: readonly string[],
  command: keyof typeof CLI_PROPERTIES,
): { readonly args: string[]; readonly properties: CliProperties } {
  const rest: string[] = [];
  const publish: { -readonly [K in keyof MessageProperties]: MessageProperties[K] } = {};
  const subscribe: { -readonly [K in keyof SubscriptionOptionsV5]: SubscriptionOptionsV5[K] } = {};
  const users: UserProperty[] = [];
  let seen = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg !== '-D' && arg !== '--property') {
      rest.push(arg);
      continue;
    }
    const [cmd, identifier, value] = [args[i + 1], args[i + 2], args[i + 3]];
    if (cmd === undefined || identifier === undefined || value === undefined) {
      throw usage(`${arg} needs COMMAND IDENTIFIER VALUE`);
    }
    if (cmd !== command) throw usage(`${arg} ${cmd}: this command takes -D ${command} only`);
    const known: readonly string[] = CLI_PROPERTIES[command];
    if (!known.includes(identifier)) {
      throw usage(`${arg} ${cmd} ${identifier}: not a property here; one of ${known.join(', ')}`);
    }
    i += 3;
    seen = true;
    switch (identifier) {
      case 'user-property': {
        const text = args[i + 1];
        if (text === undefined) throw usage(`${arg} ${cmd} user-property needs NAME VALUE`);
        users.push([value, text]);
        i += 1;
        break;
      }
      case 'content-type':
        publish.contentType = value;
        break;
      case 'response-topic':
        publish.responseTopic = value;
        break;
      case 'correlation-data':
        publish.correlationData = value;
        break;
      case 'message-expiry-interval':
        publish.messageExpiryInterval = integerValue(identifier, value, 1, 0xffff_ffff);
        break;
      case 'payload-format-indicator':
        publish.payloadFormatIndicator = integerValue(identifier, value, 0, 1) === 1;
        break;
      default:
        subscribe.subscriptionIdentifier = integerValue(identifier, value, 1, 268_435_455);
    }
  }
  if (users.length > 0) publish.userProperties = users;
  if (!seen) return { args: rest, properties: {} };
  return { args: rest, properties: command === 'publish' ? { publish } : { subscribe } };
}
