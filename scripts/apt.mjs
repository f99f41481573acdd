// Helpers for the `pretest` scripts that install the system packages the tests need (mosquitto,
// chromium) from Debian: finding an executable and running apt-get.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Whether an executable called `name` is at one of `extraPaths` or on PATH. */
export function hasExecutable(name, extraPaths = []) {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return [...extraPaths, ...dirs.map((dir) => join(dir, name))].some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Runs apt-get with the terminal attached (so progress and errors show); true on success. */
export function aptGet(...args) {
  const result = spawnSync('apt-get', args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

/** Installs Debian `packages`; runs the slow `apt-get update` only when the first try fails. */
export function aptInstall(packages) {
  const install = ['install', '-y', '-qq', ...packages];
  // A fresh container often has no package lists yet; only then is the update worth it.
  return aptGet(...install) || (aptGet('update', '-qq') && aptGet(...install));
}

/** Whether this process may install packages: root with apt-get on PATH. */
export const canInstall = () => process.getuid?.() === 0 && hasExecutable('apt-get');
