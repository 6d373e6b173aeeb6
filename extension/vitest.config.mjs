import { defineConfig } from 'vitest/config';

// Classic JSX (React.createElement) everywhere: React 16 has no window.ReactJSXRuntime.
export default defineConfig({
  oxc: { jsx: { runtime: 'classic', pragma: 'React.createElement', pragmaFrag: 'React.Fragment' } },
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.{ts,tsx,mjs}'],
    watch: false,
  },
});
