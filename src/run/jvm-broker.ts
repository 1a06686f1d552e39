import { findPerfData, NO_PERF_DATA_HINT } from '../sample/jvm-probe.js';
import { isJavaProcess, JCMD_HINT, withJvmGc } from '../target/jvm-target.js';
import type { Target } from '../target/target.js';

// A broker whose process is `java` is judged on its heap after GC by itself: a full GC before each floor
// (`jcmd PID GC.run`, unless --gc-cmd says otherwise) and the `jvm` probe (jvm.heapUsed, from its perf counters).
// What cannot be had (no jcmd, no perf data) is said in a notice; the run goes on with what it has.

export interface JvmBroker {
  target: Target;
  /** The JVM whose heap the `jvm` probe reads by itself (null: not a JVM, no perf data, or `--probe jvm` given). */
  heapPid: number | null;
  notes: string[];
}

export async function jvmBroker(target: Target, probeTexts: readonly string[]): Promise<JvmBroker> {
  const pid = target.pid;
  if (pid === null || !(await isJavaProcess(pid))) return { target, heapPid: null, notes: [] };
  const notes: string[] = [];
  const collected = await withJvmGc(target);
  if (collected !== null)
    notes.push('JVM broker: a full GC (jcmd PID GC.run) before each floor, so floors are the heap after GC');
  else if (!target.canForceGc)
    notes.push(
      `JVM broker without jcmd: no GC before the floors (post-GC troughs are judged instead); ${JCMD_HINT}, ` +
        'or give --gc-cmd',
    );
  const explicit = probeTexts.some((text) => /^jvm(:|$)/.test(text));
  let heapPid: number | null = null;
  if (!explicit) {
    if ((await findPerfData(pid)) !== null) heapPid = pid;
    else notes.push(`JVM broker: jvm.heapUsed is not read, no perf data file: ${NO_PERF_DATA_HINT}`);
  }
  return { target: collected ?? target, heapPid, notes };
}
