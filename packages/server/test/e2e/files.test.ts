import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedAccount } from '../helpers/accounts.js';
import { Receiver } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import { eventually, startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';
import { pdf, png } from '../helpers/files.js';

/**
 * Files and file links: uploads with the official stripe package (multipart/form-data), checked
 * against their purpose, served back at the file's url behind the key, and through a file link
 * without one until it expires on the server's clock; each the caller's own.
 */
describe('files', () => {
  let server: TestServer;
  let stripe: Stripe;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startTestServer({ manualClock: true });
    stripe = server.stripe();
    receiver = await new Receiver().start();
    const we = await stripe.webhookEndpoints.create({
      url: receiver.url('/files'),
      enabled_events: ['file.created'],
    });
    receiver.expect('/files', we.secret!);
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it('uploads a file with the stripe package and serves its bytes at its url', async () => {
    const bytes = pdf('receipt');
    const file = await stripe.files.create({
      file: { data: bytes, name: 'receipt.pdf', type: 'application/pdf' },
      purpose: 'dispute_evidence',
      file_link_data: { create: true, metadata: { order: '42' } },
    });
    expect(schemaErrors(file, 'file')).toEqual([]);
    const now = Math.floor(server.clock!.now() / 1000);
    expect(file).toMatchObject({
      object: 'file',
      purpose: 'dispute_evidence',
      filename: 'receipt.pdf',
      size: bytes.length,
      type: 'pdf',
      title: null,
      url: `${server.url}/v1/files/${file.id}/contents`,
    });
    // Dispute evidence expires after nine months, as on Stripe.
    expect(file.expires_at! - now).toBeGreaterThan(270 * 86_400);
    expect(file.expires_at! - now).toBeLessThan(276 * 86_400);
    const link = file.links!.data[0]!;
    expect(link).toMatchObject({ object: 'file_link', file: file.id, metadata: { order: '42' } });
    expect(schemaErrors(link, 'file_link')).toEqual([]);

    // The url serves the bytes behind the secret key, as files.stripe.com does.
    const withKey = await fetch(file.url!, { headers: { Authorization: `Bearer ${TEST_KEY}` } });
    expect(withKey.status).toBe(200);
    expect(withKey.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await withKey.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await fetch(file.url!)).status).toBe(401);
    // The link serves them with no key at all.
    const viaLink = await fetch(link.url!);
    expect(viaLink.status).toBe(200);
    expect(Buffer.from(await viaLink.arrayBuffer()).equals(bytes)).toBe(true);

    const retrieved = await stripe.files.retrieve(file.id);
    expect(retrieved).toEqual(file);
    expect(retrieved.links!.url).toBe(`/v1/file_links?file=${file.id}`);

    await receiver.waitFor(() =>
      receiver.at('/files').some((r) => r.event?.type === 'file.created'),
    );
    const delivered = receiver.at('/files').find((r) => r.event?.type === 'file.created')!;
    expect(delivered.verified).toBe(true);
    expect((delivered.event!.data as { object: { id: string } }).object.id).toBe(file.id);
    expect(schemaErrors(delivered.event)).toEqual([]);
  });

  it('lists files newest first, narrowed by purpose', async () => {
    const logo = await stripe.files.create({
      file: { data: png(), name: 'logo.png', type: 'image/png' },
      purpose: 'business_logo',
    });
    const evidence = await stripe.files.create({
      file: { data: pdf('list'), name: 'e.pdf', type: 'application/pdf' },
      purpose: 'dispute_evidence',
    });
    const all = await stripe.files.list({ limit: 2 });
    expect(all.data.map((f) => f.id)).toEqual([evidence.id, logo.id]);
    const logos = await stripe.files.list({ purpose: 'business_logo' });
    expect(logos.data.map((f) => f.id)).toEqual([logo.id]);
    for (const f of all.data) expect(schemaErrors(f, 'file')).toEqual([]);
  });

  it("refuses a file of the wrong type, over its purpose's size or sent without its bytes, naming file", async () => {
    await expect(
      stripe.files.create({
        file: { data: png(), name: 'x.png', type: 'image/png' },
        purpose: 'pci_document',
      }),
    ).rejects.toMatchObject({
      statusCode: 400,
      param: 'file',
      message: expect.stringContaining('pdf'),
    });
    // A business logo may be at most 512 KB.
    const big = Buffer.concat([png(), Buffer.alloc(600 * 1024)]);
    await expect(
      stripe.files.create({
        file: { data: big, name: 'big.png', type: 'image/png' },
        purpose: 'business_logo',
      }),
    ).rejects.toMatchObject({
      statusCode: 400,
      param: 'file',
      message: expect.stringContaining('524288'),
    });
    // A form without the file's bytes.
    const res = await fetch(`${server.url}/v1/files`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${TEST_KEY}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'purpose=dispute_evidence&file=receipt.pdf',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('file');
    // Past the largest upload (16 MB), the body is refused before it is read.
    const huge = await fetch(`${server.url}/v1/files`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${TEST_KEY}`,
        'Content-Type': 'multipart/form-data; boundary=x',
      },
      body: Buffer.alloc(17 * 1024 * 1024),
    });
    expect(huge.status).toBe(413);
  });

  it('an identity document is kept but cannot be downloaded or linked, as on Stripe', async () => {
    const id = await stripe.files.create({
      file: { data: png(), name: 'passport.png', type: 'image/png' },
      purpose: 'identity_document',
    });
    expect(id).toMatchObject({ url: null, expires_at: null, type: 'png' });
    await expect(stripe.fileLinks.create({ file: id.id })).rejects.toMatchObject({
      statusCode: 400,
      param: 'file',
    });
    const res = await fetch(`${server.url}/v1/files/${id.id}/contents`, {
      headers: { Authorization: `Bearer ${TEST_KEY}` },
    });
    expect(res.status).toBe(403);
  });

  it("a file is its owner's: another account or platform gets No such file upload, evidence too", async () => {
    const account = (await onboardedAccount(stripe, { type: 'custom' })).id;
    const theirs = await stripe.files.create(
      {
        file: { data: pdf('theirs'), name: 'theirs.pdf', type: 'application/pdf' },
        purpose: 'dispute_evidence',
      },
      { stripeAccount: account },
    );
    expect((await stripe.files.retrieve(theirs.id, {}, { stripeAccount: account })).id).toBe(
      theirs.id,
    );
    await expect(stripe.files.retrieve(theirs.id)).rejects.toMatchObject({
      statusCode: 404,
      message: `No such file upload: '${theirs.id}'`,
    });
    const contents = await fetch(theirs.url!, { headers: { Authorization: `Bearer ${TEST_KEY}` } });
    expect(contents.status).toBe(404);
    const ok = await fetch(theirs.url!, {
      headers: { Authorization: `Bearer ${TEST_KEY}`, 'Stripe-Account': account },
    });
    expect(ok.status).toBe(200);
    expect((await stripe.files.list()).data.map((f) => f.id)).not.toContain(theirs.id);
    await expect(stripe.fileLinks.create({ file: theirs.id })).rejects.toMatchObject({
      statusCode: 404,
      param: 'file',
    });

    // Dispute evidence names files of the dispute's owner only.
    const charge = await stripe.charges.create({
      amount: 1000,
      currency: 'usd',
      source: 'tok_createDispute',
    });
    const dispute = (await stripe.disputes.list({ charge: charge.id })).data[0]!;
    await expect(
      stripe.disputes.update(dispute.id, { evidence: { receipt: theirs.id }, submit: false }),
    ).rejects.toMatchObject({ statusCode: 404, param: 'evidence[receipt]' });
    const ours = await stripe.files.create({
      file: { data: pdf('ours'), name: 'ours.pdf', type: 'application/pdf' },
      purpose: 'dispute_evidence',
    });
    const updated = await stripe.disputes.update(dispute.id, {
      evidence: { receipt: ours.id },
      submit: false,
    });
    expect(updated.evidence.receipt).toBe(ours.id);
  });

  it('a file link serves its file without a key until it expires', async () => {
    const file = await stripe.files.create({
      file: { data: pdf('linked'), name: 'linked.pdf', type: 'application/pdf' },
      purpose: 'dispute_evidence',
    });
    const now = Math.floor(server.clock!.now() / 1000);
    const link = await stripe.fileLinks.create({
      file: file.id,
      expires_at: now + 3600,
      metadata: { to: 'customer' },
    });
    expect(schemaErrors(link, 'file_link')).toEqual([]);
    expect(link).toMatchObject({ expired: false, expires_at: now + 3600, livemode: false });
    expect(await stripe.fileLinks.retrieve(link.id)).toEqual(link);
    expect((await stripe.files.retrieve(file.id)).links!.data.map((l) => l.id)).toEqual([link.id]);
    expect((await fetch(link.url!)).status).toBe(200);
    // A token that names the link with the wrong secret serves nothing.
    const forged = Buffer.from(`${link.id}|fl_test_forged`).toString('base64url');
    expect((await fetch(`${server.url}/links/${forged}`)).status).toBe(404);

    const listed = await stripe.fileLinks.list({ file: file.id, expired: false });
    expect(listed.data.map((l) => l.id)).toEqual([link.id]);

    server.clock!.advance(3601_000);
    expect((await fetch(link.url!)).status).toBe(410);
    expect((await stripe.fileLinks.retrieve(link.id)).expired).toBe(true);
    await eventually(
      async () =>
        (await stripe.fileLinks.list({ file: file.id, expired: true })).data[0]?.id === link.id,
    );
    await expect(stripe.fileLinks.update(link.id, { expires_at: 'now' })).rejects.toMatchObject({
      statusCode: 400,
      param: 'expires_at',
    });
  });

  it('updates a file link: metadata, a later expiry, none, or now', async () => {
    const file = await stripe.files.create({
      file: { data: pdf('updated'), name: 'u.pdf', type: 'application/pdf' },
      purpose: 'dispute_evidence',
    });
    const now = Math.floor(server.clock!.now() / 1000);
    const link = await stripe.fileLinks.create({ file: file.id, expires_at: now + 60 });
    await expect(
      stripe.fileLinks.create({ file: file.id, expires_at: now - 1 }),
    ).rejects.toMatchObject({
      statusCode: 400,
      param: 'expires_at',
    });
    const later = await stripe.fileLinks.update(link.id, {
      expires_at: now + 7200,
      metadata: { a: 'b' },
    });
    expect(later).toMatchObject({ expires_at: now + 7200, metadata: { a: 'b' }, expired: false });
    const never = await stripe.fileLinks.update(link.id, { expires_at: '' as never });
    expect(never.expires_at).toBeNull();
    server.clock!.advance(120_000);
    expect((await fetch(link.url!)).status).toBe(200);
    const ended = await stripe.fileLinks.update(link.id, { expires_at: 'now' });
    expect(ended).toMatchObject({
      expired: true,
      expires_at: Math.floor(server.clock!.now() / 1000),
    });
    expect((await fetch(link.url!)).status).toBe(410);
  });
});
