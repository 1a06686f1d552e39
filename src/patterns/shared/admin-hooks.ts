import { parseHook, runHook, type Hook } from '../../load/bridge/admin-hook.js';
import { numberParam, stringParam, type ParamSpecs, type Params } from '../../core/params.js';
import type { ProtocolFacts } from './protocol-facts.js';

// The create/delete admin hooks of topic-churn and group-churn: parameters, and how their results are
// reported (a check per hook that it succeeded, its answers: `HTTP 204`, `exit 1`, `timeout` ...).
// A hook that fails is not a failed operation: the MQTT traffic still ran; the check says what the
// administration did.

export const ADMIN_HOOK_PARAMS: ParamSpecs = {
  createHook: {
    type: 'string',
    default: '',
    description:
      'run once per topic or group created, before its first message: an HTTP request ' +
      "'[METHOD ]http(s)://…' (default POST) " +
      'or a shell command; {topic} and {group} are filled in. Empty: none',
  },
  deleteHook: {
    type: 'string',
    default: '',
    description:
      'run once per topic or group when it is left: like createHook (a bare URL is a DELETE request). Empty: none',
  },
  hookTimeoutMs: {
    type: 'integer',
    default: 5000,
    minimum: 100,
    maximum: 120000,
    description: 'bound on one hook run (ms): a request is aborted, a command killed',
  },
};

export interface AdminHooks {
  /** Runs the create hook (if any) for this topic/group; records its result. */
  create(values: Readonly<Record<string, string>>): Promise<void>;
  delete(values: Readonly<Record<string, string>>): Promise<void>;
}

export function adminHooks(params: Params, facts: ProtocolFacts): AdminHooks {
  const timeoutMs = numberParam(params, 'hookTimeoutMs');
  const run = async (hook: Hook | null, label: string, values: Readonly<Record<string, string>>): Promise<void> => {
    if (hook === null) return;
    const result = await runHook(hook, values, timeoutMs);
    facts.check(`${label}-hook-succeeded`, result.ok);
    facts.answer(`${label} hook`, result.answer);
  };
  const createHook = parseHook(stringParam(params, 'createHook'), 'POST');
  const deleteHook = parseHook(stringParam(params, 'deleteHook'), 'DELETE');
  return {
    create: (values) => run(createHook, 'create', values),
    delete: (values) => run(deleteHook, 'delete', values),
  };
}
