'use strict';
// @alicloud/dysmsapi20170525 on @alicloud/openapi-core. config.signatureAlgorithm "v2" makes
// openapi-core's callApi take doRPCRequest (RPC, HMAC-SHA1); unset, it signs ACS3-HMAC-SHA256.
const Dysmsapi = require('@alicloud/dysmsapi20170525');
const { $OpenApiUtil } = require('@alicloud/openapi-core');
const $dara = require('@darabonba/typescript');
const { main } = require('./harness');

const runtime = () => new $dara.RuntimeOptions({ autoretry: false, maxAttempts: 1 });

main(
  (config) => new Dysmsapi.default(new $OpenApiUtil.Config({
    accessKeyId: config.accessKeyId,
    accessKeySecret: config.accessKeySecret,
    endpoint: config.netloc,
    protocol: 'http',
    signatureAlgorithm: config.signatureAlgorithm,
  })),
  {
    sendSms: async (client, args) => (await client.sendSmsWithOptions(
      new Dysmsapi.SendSmsRequest(args), runtime())).body.toMap(),
    querySendDetails: async (client, args) => (await client.querySendDetailsWithOptions(
      new Dysmsapi.QuerySendDetailsRequest(args), runtime())).body.toMap(),
  },
);
