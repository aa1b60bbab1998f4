import { startConnectServer } from './app.js';
import { ConfigError, configFromEnv } from './config.js';

try {
  const config = configFromEnv(process.env);
  const server = await startConnectServer(config);
  console.log(`Listening for Connect webhooks on ${server.url}/webhook (API: ${config.apiBase})`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
