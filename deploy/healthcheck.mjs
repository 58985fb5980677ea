// The container's HEALTHCHECK: GET /healthz on this container's own port, exit 0 on a 200 answer.
// Plain Node (no dependencies) so it runs in the slim runtime image as the unprivileged user.
import http from 'node:http';
import https from 'node:https';

const port = Number(process.env.PORT || 8787);
// With TLS in the gateway (TLS_CERT_FILE) it serves https only. The certificate is issued for the public
// name, not 127.0.0.1, and this probe asks "is the process answering", so it does not verify the name.
const client = process.env.TLS_CERT_FILE ? https : http;
const request = client.get(
  { host: '127.0.0.1', port, path: '/healthz', timeout: 4000, rejectUnauthorized: false },
  (response) => {
    response.resume();
    process.exit(response.statusCode === 200 ? 0 : 1);
  },
);
request.on('timeout', () => request.destroy(new Error('no answer within 4 s')));
request.on('error', (error) => {
  console.error(`healthcheck: ${error.message}`);
  process.exit(1);
});
