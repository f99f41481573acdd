/**
 * The flag a zero-copy `reserve` adds to its offset when the transport has reached its
 * high-water mark (spec R55). A leaf module: the runtime's ports and the session share it, and
 * a browser bundle that imports the ports pulls in nothing else.
 *
 * @module
 */

/** Added to the offset `reserve` returns at the high-water mark. Offsets stay far below it: a buffer never holds 1 GiB. */
export const RESERVE_FULL = 0x4000_0000;
