'use strict';
// @alicloud/pop-core's RPCClient: RPC signature (HMAC-SHA1, SignatureVersion 1.0), parameters in the
// query (GET) or a form body (POST); it throws for any Code other than OK / Success.
const RPCClient = require('@alicloud/pop-core');
const { main } = require('./harness');

main(
  (config) => new RPCClient({
    accessKeyId: config.accessKeyId,
    accessKeySecret: config.accessKeySecret,
    endpoint: config.endpoint,
    apiVersion: config.apiVersion,
  }),
  {
    request: async (client, args, config) => {
      try {
        return await client.request(args.action, args.params, { method: config.method });
      } catch (error) {
        error.status = error.entry ? error.entry.response.statusCode : null;  // set when Aliyun answered
        throw error;
      }
    },
  },
);
