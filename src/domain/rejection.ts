/** A command refused by the state it met; `code` is stable and part of the HTTP API. */
export interface Rejection {
  code:
    | 'not_found'
    | 'rollout_conflict'
    | 'rollout_not_claimable'
    | 'attempt_not_running'
    | 'not_assigned'
    | 'attempt_not_stale';
  message: string;
}

export const reject = (code: Rejection['code'], message: string): { rejection: Rejection } => ({
  rejection: { code, message },
});
