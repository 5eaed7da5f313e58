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
    args: ["exec", "--time=virtual", "--", "/bin/sh", "-c", "sleep 100 & sleep 100 & wait"],
    env: markedEnv({ UMBRA_FAULT: "syscall:clock_nanosleep" }),
    stdout: "piped",
    stderr: "piped",
  }).output();
  equal(output.code, 1);
  const stderr = new TextDecoder().decode(output.stderr);
  match(stderr, /^umbra: policy failed: injected fault at syscall:clock_nanosleep/);
  equal(stderr.trim().split("\n").length, 1, stderr);
});

umbraTest("a failing policy in a run leaves the output written up to then, the strace log and a report", async () => {
  const data = await Deno.makeTempDir({ prefix: "umbra-crash-" });
  const config = `${data}/run.yaml`;
  await Deno.writeTextFile(
    config,
    [
      "general: { stop_time: 10s }",
      "experimental: { strace_logging_mode: standard }",
      "hosts:",
      "  h:",
      "    processes:",
      // The shell's wait for /bin/true is where the injected fault strikes.
      `      - { path: /bin/sh, args: ["-c", "echo before; echo to stderr >&2; /bin/true; echo after"] }`,
    ].join("\n"),
  );
  try {
    const output = await new Deno.Command(UMBRA, {
      args: ["run", "--data-directory", `${data}/out`, config],
      env: markedEnv({ UMBRA_FAULT: "syscall:wait4" }),
      stdout: "piped",
      stderr: "piped",
    }).output();
    equal(output.code, 1, new TextDecoder().decode(output.stderr));
    match(new TextDecoder().decode(output.stderr), /^umbra: policy failed: injected fault at syscall:wait4/);
    const report = JSON.parse(await Deno.readTextFile(`${data}/out/report.json`));
    match(report.failure, /injected fault at syscall:wait4/);
    const host = `${data}/out/hosts/h`;
    equal(await Deno.readTextFile(`${host}/sh.1000.stdout`), "before\n");
    equal(await Deno.readTextFile(`${host}/sh.1000.stderr`), "to stderr\n");
    match(await Deno.readTextFile(`${host}/sh.1000.strace`), /\[1000\] vfork\(\) = 1001\n/);
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});
