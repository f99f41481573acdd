/**
 * Reads an ES `#private` field for a white-box test, through the V8 inspector (the debugger sees
 * private fields; plain code cannot). Some rules are about representation (R332: what a table
 * holds), which no public behaviour shows; the production classes keep their fields truly private
 * and carry no test hook.
 */
import { Session } from 'node:inspector/promises';

const PROBE = '__privateFieldProbe';

/**
 * The value of `owner`'s own `#name` field.
 * @param owner - An instance of a class that declares `#name`.
 * @param name - The field's name, without `#`.
 * @returns The field's value (the object itself, not a copy).
 * @throws Error when `owner` has no such field.
 */
export async function privateField(owner: object, name: string): Promise<unknown> {
  const scope = globalThis as Record<string, unknown>;
  const session = new Session();
  session.connect();
  try {
    scope[PROBE] = owner;
    const { result } = await session.post('Runtime.evaluate', { expression: `globalThis.${PROBE}` });
    if (result.objectId === undefined) throw new Error('the inspector gave no handle on the object');
    // The protocol's reply lists private fields too; Node's typings leave that member out.
    const { privateProperties } = (await session.post('Runtime.getProperties', {
      objectId: result.objectId,
      ownProperties: true,
    })) as { privateProperties?: { name: string; value?: { objectId?: string; value?: unknown } }[] };
    const field = privateProperties?.find((p) => p.name === `#${name}`);
    if (field?.value === undefined) throw new Error(`no private field #${name}`);
    // A primitive comes back by value; an object as a handle, which the page stores for us.
    if (field.value.objectId === undefined) return field.value.value;
    await session.post('Runtime.callFunctionOn', {
      objectId: field.value.objectId,
      functionDeclaration: `function () { globalThis.${PROBE} = this; }`,
    });
    return scope[PROBE];
  } finally {
    delete scope[PROBE];
    session.disconnect();
  }
}
