/**
 * Real disk faults for the file store tests (docs/spec.md R209), where the machine allows them: a
 * tiny tmpfs filled up (ENOSPC), a read-only bind mount (EROFS), and a file this process cannot
 * open once it drops to an unprivileged user (EACCES). Mounting needs root and a sandbox that
 * permits it; {@link mountsUnavailable} says why not, and the tests then inject the same errno
 * through the store's fs seam instead, saying so, rather than skip (`STORE_FAULTS_INJECT=1` forces
 * that, to check the fallback on a machine that allows both).
 */
import { execFileSync } from 'node:child_process';
import { closeSync as closeFd, mkdtempSync, openSync as openFd, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let probed: string | undefined | null = null;

/** Why real mounts cannot be made here (undefined when they can); probed once per process. */
export function mountsUnavailable(): string | undefined {
  if (probed !== null) return probed;
  if (process.env.STORE_FAULTS_INJECT) {
    probed = 'STORE_FAULTS_INJECT is set';
    return probed;
  }
  if (process.getuid?.() !== 0) {
    probed = 'not running as root';
    return probed;
  }
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir], { stdio: 'pipe' });
    probed = undefined;
  } catch (error) {
    probed = `mount is not permitted in this sandbox (${String((error as { stderr?: unknown }).stderr ?? error).trim()})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return probed;
}

/** Why this process cannot drop to another user for a moment (undefined when it can). */
export function euidUnavailable(): string | undefined {
  if (process.env.STORE_FAULTS_INJECT) return 'STORE_FAULTS_INJECT is set';
  if (process.getuid?.() !== 0) return 'not running as root';
  if (typeof process.seteuid !== 'function') return 'process.seteuid is not available here';
  return undefined;
}

/** A directory with a tmpfs of `bytes` mounted on it; the returned function unmounts and removes it. */
export function mountTmpfs(bytes: number): { dir: string; unmount: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  return {
    dir,
    unmount: () => {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `source` again at a new directory, read-only (a bind mount); the returned function unmounts it. */
export function bindReadOnly(source: string): { dir: string; unmount: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-ro-'));
  execFileSync('mount', ['--bind', source, dir], { stdio: 'pipe' });
  try {
    execFileSync('mount', ['-o', 'remount,bind,ro', dir], { stdio: 'pipe' });
  } catch (error) {
    execFileSync('umount', [dir], { stdio: 'pipe' });
    throw error;
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Fills the file system under `dir` with a file `filler` until it has no room left.
 * @returns The filler's path (remove it to free the space).
 */
export function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const fd = openFd(filler, 'w');
  const chunk = Buffer.alloc(4096, 0x55);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeFd(fd);
  }
  return filler;
}

/** Runs `fn` as user `uid` (effective uid only, so root comes back), synchronously. */
export function asUser<T>(uid: number, fn: () => T): T {
  process.seteuid?.(uid);
  try {
    return fn();
  } finally {
    process.seteuid?.(0);
  }
}
