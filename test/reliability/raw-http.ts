import { Agent, request } from 'node:http';

/** An answer as it came over the wire; `json` is the parsed body when it is JSON. */
export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
  json: unknown;
}

export interface RawRequest {
  method: string;
  /** Sent exactly as given: no normalisation of dot segments, no re-encoding. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * An HTTP client that sends paths, headers and bodies exactly as given, so a test can send what
 * `fetch` would refuse or normalise (`/workers/../claim`, a GET with a body, malformed escapes).
 */
export function rawHttp(baseUrl: string) {
  const { hostname, port } = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });

  function send(spec: RawRequest): Promise<RawAnswer> {
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.body !== undefined) headers['content-length'] = String(Buffer.byteLength(spec.body));

    return new Promise((resolve, reject) => {
      const outgoing = request(
        { host: hostname, port, method: spec.method, path: spec.path, headers, agent },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const contentType = incoming.headers['content-type'] ?? '';
            let json: unknown;
            if (contentType.startsWith('application/json') && text.length > 0) {
              json = JSON.parse(text);
            }
            resolve({ status: incoming.statusCode ?? 0, contentType, text, json });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(spec.body);
    });
  }

  return { send, close: () => agent.destroy() };
}

/** The `error.code` of an error answer, or undefined when the body is not the API's error shape. */
export function errorCodeOf(answer: RawAnswer): string | undefined {
  const body = answer.json;
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = body.error;
  if (typeof error !== 'object' || error === null) return undefined;
  if (!('code' in error) || typeof error.code !== 'string') return undefined;
  if (!('message' in error) || typeof error.message !== 'string') return undefined;
  return error.code;
}
