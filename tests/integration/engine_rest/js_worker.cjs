// Camunda's JavaScript external task client working one order to its end against Flowdesk.
// NODE_PATH points at web/frontend/node_modules; BASE_URL, EMAIL, TOKEN come from the test.
const { Client, BasicAuthInterceptor, Variables } = require("camunda-external-task-client-js");

const client = new Client({
  baseUrl: process.env.BASE_URL, workerId: "js-worker", asyncResponseTimeout: 2000, interval: 50,
  interceptors: new BasicAuthInterceptor({ username: process.env.EMAIL, password: process.env.TOKEN }),
  use: () => {},  // no logger: the test reads only the result line
});
let done = 0;
const finish = () => { if (++done === 2) { client.stop(); console.log(JSON.stringify({ done })); process.exit(0); } };
client.subscribe("js-charge", async ({ task, taskService }) => {
  const variables = new Variables().setAll({ charged: task.variables.get("amount") * 2, by: "js" });
  await taskService.complete(task, variables);
  finish();
});
client.subscribe("js-ship", async ({ task, taskService }) => {
  await taskService.complete(task, new Variables().set("parcel", { id: 7, carrier: "post" }));
  finish();
});
setTimeout(() => { console.log(JSON.stringify({ done, timeout: true })); process.exit(1); }, 30000);
