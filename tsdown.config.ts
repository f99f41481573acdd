import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: { index: 'index.ts' },
  format: ['esm', 'cjs'],
  platform: 'node',
  target: 'node20.19',
  tsconfig: 'tsconfig.build.json',
  dts: { sourcemap: true },
  sourcemap: true,
  clean: true,
});
