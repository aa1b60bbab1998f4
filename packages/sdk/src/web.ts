/**
 * The Web-standard build: everything that needs no `node:*` module. Runtimes with Web Crypto
 * (Deno, Bun, Cloudflare Workers, Vercel Edge, browsers) get it from `@switchboard/sdk` through
 * the export conditions; Node gets it too as `@switchboard/sdk/web`.
 * @module
 */
export * from './shared.js';
