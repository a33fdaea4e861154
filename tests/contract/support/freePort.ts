/** A TCP port on 127.0.0.1 that nothing listens on right now. */
import * as http from "node:http";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = http.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error(`unexpected listen address: ${String(address)}`));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
