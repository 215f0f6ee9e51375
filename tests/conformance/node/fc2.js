'use strict';
// @alicloud/fc2: FC 2.0's invoke API; a body goes out with Content-MD5 = base64 of the hex MD5.
const FCClient = require('@alicloud/fc2');
const { main } = require('./harness');

main(
  (config) => new FCClient('1234567890', {
    accessKeyID: config.accessKeyId,
    accessKeySecret: config.accessKeySecret,
    region: 'cn-hangzhou',
    endpoint: config.endpoint,
  }),
  {
    invokeFunction: async (client, args) => {
      let answer;
      try {
        answer = await client.invokeFunction(args.service, args.function, args.event, args.headers || {});
      } catch (error) {
        const status = /failed with (\d+)\./.exec(error.message);  // the SDK keeps the status only there
        error.status = status ? Number(status[1]) : null;
        throw error;
      }
      return { headers: answer.headers, data: Buffer.isBuffer(answer.data) ? answer.data.toString('utf8') : answer.data };
    },
  },
);
