'use strict';
// ali-oss: V1 (OSS ak:signature) by default, V4 (OSS4-HMAC-SHA256) with authorizationV4. An IP
// endpoint means path-style requests.
const OSS = require('ali-oss');
const { main } = require('./harness');

const listed = (result) => ({
  objects: (result.objects || []).map((o) => ({ name: o.name, lastModified: o.lastModified, size: o.size })),
  prefixes: result.prefixes || [],
  isTruncated: result.isTruncated,
  nextMarker: result.nextMarker || null,
  nextContinuationToken: result.nextContinuationToken || null,
  keyCount: result.keyCount === undefined ? null : result.keyCount,
});

main(
  (config) => new OSS({
    accessKeyId: config.accessKeyId,
    accessKeySecret: config.accessKeySecret,
    endpoint: config.endpoint,
    bucket: config.bucket,
    region: 'oss-cn-hangzhou',
    authorizationV4: Boolean(config.authorizationV4),
    retryMax: 0,
  }),
  {
    put: async (client, args) => (await client.put(args.key, Buffer.from(args.content, 'utf8'))).res.status,
    get: async (client, args) => (await client.get(args.key)).content.toString('utf8'),
    head: async (client, args) => {
      const result = await client.head(args.key);
      return { status: result.status, lastModified: result.res.headers['last-modified'], etag: result.res.headers.etag };
    },
    getObjectMeta: async (client, args) => {
      const result = await client.getObjectMeta(args.key);
      return { status: result.status, etag: result.res.headers.etag, size: result.res.headers['content-length'] };
    },
    delete: async (client, args) => (await client.delete(args.key)).res.status,
    list: async (client, args) => listed(await client.list(args)),
    listV2: async (client, args) => listed(await client.listV2(args)),
  },
);
