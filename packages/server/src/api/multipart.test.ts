import { describe, expect, it } from 'vitest';
import { StripeError } from '../stripe/errors.js';
import { boundaryOf, parseMultipart } from './multipart.js';

const body = (boundary: string, parts: string[]) =>
  Buffer.from(
    parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('') + `--${boundary}--\r\n`,
    'latin1',
  );

describe('multipart/form-data', () => {
  it('splits text fields from file parts, bytes intact', () => {
    const binary = '\x00\xff\r\n--not-the-boundary\x89PNG';
    const parsed = parseMultipart(
      body('b0undary', [
        'Content-Disposition: form-data; name="purpose"\r\n\r\ndispute_evidence',
        'Content-Disposition: form-data; name="file_link_data[create]"\r\n\r\ntrue',
        `Content-Disposition: form-data; name="file"; filename="a \\"b\\".png"\r\nContent-Type: image/png\r\n\r\n${binary}`,
      ]),
      'b0undary',
    );
    expect(parsed.fields).toEqual([
      ['purpose', 'dispute_evidence'],
      ['file_link_data[create]', 'true'],
    ]);
    expect(parsed.uploads).toHaveLength(1);
    expect(parsed.uploads[0]).toMatchObject({
      name: 'file',
      filename: 'a "b".png',
      contentType: 'image/png',
    });
    expect(parsed.uploads[0]!.data.equals(Buffer.from(binary, 'latin1'))).toBe(true);
  });

  it('reads the boundary quoted or not, and refuses a Content-Type without one', () => {
    expect(boundaryOf('multipart/form-data; boundary=abc')).toBe('abc');
    expect(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b"')).toBe('a b');
    expect(() => boundaryOf('multipart/form-data')).toThrow(StripeError);
  });

  it('refuses a body cut short or a part without a name, with a Stripe error', () => {
    const cut = Buffer.from('--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue');
    expect(() => parseMultipart(cut, 'x')).toThrow(/ends mid-part/);
    const nameless = body('x', ['Content-Disposition: form-data\r\n\r\nv']);
    expect(() => parseMultipart(nameless, 'x')).toThrow(/no Content-Disposition name/);
    expect(() => parseMultipart(Buffer.from('nothing'), 'x')).toThrow(/no parts/);
  });
});
