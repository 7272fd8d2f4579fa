/** Builds the web page into client/dist (served by Pulse at `/`); `vite client` serves it with a proxy to a local Pulse. */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The libraries (React, Apollo, graphql-ws) in their own chunk: it changes less often than the page.
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 'vendor', test: /node_modules/ }] } } },
  },
  server: { proxy: { '/graphql': { target: 'http://localhost:4000', ws: true } } },
});
