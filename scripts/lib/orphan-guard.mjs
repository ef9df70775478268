// Preloaded (`node --import`) into every Node process `npm start` runs. `npm start` talks to
// its children over an IPC channel; when that closes (`npm start` is gone, even after a
// SIGKILL), the child stops as on SIGTERM instead of running on as an orphan.
if (process.channel) {
  process.channel.unref();
  process.once("disconnect", () => process.kill(process.pid, "SIGTERM"));
}
