'use strict';
// @alicloud/kms20160120 on @alicloud/rpc-client: RPC signature (HMAC-SHA1), POST.
const Kms = require('@alicloud/kms20160120');
const { Config } = require('@alicloud/rpc-client');
const { RuntimeOptions } = require('@alicloud/tea-util');
const { main } = require('./harness');

const runtime = () => new RuntimeOptions({ autoretry: false, maxAttempts: 1 });
// rpc-client surfaces Aliyun's Code as `${Code}Error` and the HTTP status only in its message ("code: 404").
const call = (method, Request) => async (client, args) => {
  try {
    return (await client[method](new Request(args), runtime())).toMap();
  } catch (error) {
    const status = /code: (\d+),/.exec(error.message);
    error.status = status ? Number(status[1]) : null;
    throw error;
  }
};

main(
  (config) => new Kms.default(new Config({
    accessKeyId: config.accessKeyId,
    accessKeySecret: config.accessKeySecret,
    endpoint: config.netloc,
    protocol: 'http',
    regionId: 'cn-hangzhou',
  })),
  {
    encrypt: call('encryptEx', Kms.EncryptRequest),
    decrypt: call('decryptEx', Kms.DecryptRequest),
    generateDataKey: call('generateDataKeyEx', Kms.GenerateDataKeyRequest),
    getSecretValue: call('getSecretValueEx', Kms.GetSecretValueRequest),
  },
);
