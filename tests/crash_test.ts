// Crash safety: nothing outlives umbra, whether its process is SIGKILLed or its policy fails.
import { equal, match } from "node:assert/strict";
import { markedEnv, strays, UMBRA, umbraTest } from "./_util.ts";

async function until(condition: () => Promise<boolean>, seconds: number): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

umbraTest("SIGKILL of umbra in the middle of a run with 50 processes leaves no survivor and no zombie", async () => {
  // 50 sleepers, one stopped, the shell parked in wait.
  const script = "for i in $(seq 50); do sleep 100 & done; kill -STOP $!; wait";
  const child = new Deno.Command(UMBRA, {
    args: ["exec", "--", "/bin/sh", "-c", script],
    env: markedEnv(),
    stdout: "null",
    stderr: "null",
  }).spawn();
  // umbra (deno), its doorbell, the shell and its 50 children (the stopped one may not have exec'd sleep yet).
  await until(async () => (await strays()).length >= 53, 30);
  child.kill("SIGKILL");
  await child.status;
  // assertClean (after every umbraTest) checks that none of them, nor the shell, is left.
});

umbraTest("a failing policy ends the run with one clear line, exit 1, and everything killed", async () => {
  const output = await new Deno.Command(UMBRA, {
    args: ["exec", "--", "/bin/sh", "-c", "sleep 100 & sleep 100 & echo $PPID; wait"],
    env: markedEnv({ UMBRA_FAULT: "syscall:getppid" }),
    stdout: "piped",
    stderr: "piped",
  }).output();
  equal(output.code, 1);
  const stderr = new TextDecoder().decode(output.stderr);
  match(stderr, /^umbra: policy failed: injected fault at syscall:getppid/);
  equal(stderr.trim().split("\n").length, 1, stderr);
});
