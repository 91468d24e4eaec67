import { EvoLinkError, errorFromHttpResponse, errorStatusInBody, isWebPage, withoutBom } from '../../common/errors';
import type { HttpResponse } from '../net/transport';
import { withoutApiKey } from './errorAnswer';

/**
 * The most an API answer's JSON may weigh. A task's answer lists links, not images: far below
 * this even for 50 tasks of 15 images with long signed links. Past it, the answer is refused as
 * too large rather than cut and then told as something that is not JSON.
 */
export const maxJsonBytes = 16 << 20;

/**
 * A 2xx answer's JSON (its text without the key, `apiKey`); the documented error object in it is
 * the error it describes. A web page where JSON belongs (a network's sign-in page, or a proxy's)
 * is told as such.
 */
export async function readJsonAnswer(response: HttpResponse, url: string, apiKey: string): Promise<unknown> {
  const path = new URL(url).pathname;
  const whole = await response.text(maxJsonBytes + 1);
  if (Buffer.byteLength(whole) > maxJsonBytes) {
    throw new EvoLinkError('invalidResponse', `${path} answered with more than ${maxJsonBytes >> 20} MB where JSON belongs.`, { status: response.status, code: 'tooLarge' });
  }
  const text = withoutApiKey(whole, apiKey);
  let json: unknown;
  try {
    json = JSON.parse(withoutBom(text)) as unknown;
  } catch (error) {
    const page = isWebPage(text);
    throw new EvoLinkError('invalidResponse', `${path} answered with ${page ? 'a web page' : 'something that is not JSON'}.`, {
      status: response.status,
      ...(page ? { code: 'webPage' } : {}),
      cause: error,
    });
  }
  const status = errorStatusInBody(json);
  if (status !== undefined) throw errorFromHttpResponse(status, text, (name) => response.header(name));
  return json;
}
