/**
 * The test's actions: launch / pause / resume as the status allows, end the test (confirmed in a
 * dialog), declare a winner with a required reason (a dialog). Each failure shows the API's own
 * reason; success updates the page at once (the live subscriptions confirm it).
 */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useMutation } from 'urql';
import {
  DashTestDeclareWinnerDocument,
  DashTestEndDocument,
  DashTestLaunchDocument,
  DashTestPauseDocument,
  DashTestResumeDocument,
} from '../generated/graphql';
import { describeError } from '../ui/format';
import { variantLabel } from './model';
import { allowedActions, endTestOutcome, reasonProblem, type StatusChange, type TestCampaign, type TestWinner } from './test-page-model';

interface Props {
  campaign: TestCampaign;
  onStatus(s: StatusChange): void;
  onWinner(w: TestWinner): void;
}

export function TestActions({ campaign: c, onStatus, onWinner }: Props) {
  const allowed = allowedActions(c);
  const [launch, doLaunch] = useMutation(DashTestLaunchDocument);
  const [pause, doPause] = useMutation(DashTestPauseDocument);
  const [resume, doResume] = useMutation(DashTestResumeDocument);
  const [message, setMessage] = useState<{ error?: string; ok?: string }>({});
  const busy = launch.fetching || pause.fetching || resume.fetching;
  // The clicked button is disabled while busy and may then vanish (Pause becomes Resume; End the test…
  // goes once the test ended, even by someone else while its dialog is open): the browser drops the
  // focus to <body>. After an action or a dialog, it goes to this section's heading instead.
  const heading = useRef<HTMLHeadingElement>(null);
  const [settled, setSettled] = useState(0);
  const refocus = () => setSettled((n) => n + 1);
  useEffect(() => {
    if (settled > 0 && (!document.activeElement || document.activeElement === document.body)) heading.current?.focus();
  }, [settled]);

  const done = (label: string, error: Parameters<typeof describeError>[0] | undefined, status: StatusChange | undefined) => {
    if (error) setMessage({ error: `${label} failed: ${describeError(error)}` });
    else if (status) {
      onStatus(status);
      setMessage({ ok: `${label}: done.` });
    }
    refocus();
  };
  // Launch, pause and resume: one button each when the status allows it, the same handling after.
  type Outcome = [Parameters<typeof describeError>[0] | undefined, StatusChange | undefined];
  const statusActions: { label: string; allowed: boolean; run(): Promise<Outcome> }[] = [
    {
      label: 'Launch',
      allowed: allowed.launch,
      run: async () => {
        const r = await doLaunch({ id: c.id });
        return [r.error, r.data?.launchCampaign];
      },
    },
    {
      label: 'Pause',
      allowed: allowed.pause,
      run: async () => {
        const r = await doPause({ id: c.id });
        return [r.error, r.data?.pauseCampaign];
      },
    },
    {
      label: 'Resume',
      allowed: allowed.resume,
      run: async () => {
        const r = await doResume({ id: c.id });
        return [r.error, r.data?.resumeCampaign];
      },
    },
  ];

  return (
    <section aria-labelledby="actions-title" className="test-actions">
      <h2 id="actions-title" ref={heading} tabIndex={-1}>
        Actions
      </h2>
      <div className="actions">
        {statusActions.map(
          (a) =>
            a.allowed && (
              <button key={a.label} type="button" disabled={busy} onClick={async () => {
                  setMessage({});
                  done(a.label, ...(await a.run()));
                }}>
                {a.label}
              </button>
            ),
        )}
        {/* Mounted whatever the status: an open dialog stays open when a live update (someone else's action) changes what is allowed, and its submit then shows the API's refusal. */}
        <DeclareWinner available={allowed.declareWinner} campaign={c} onWinner={onWinner} onClosed={refocus} />
        <EndTest available={allowed.endTest} campaign={c} onStatus={onStatus} onClosed={refocus} />
      </div>
      {!allowed.launch && !allowed.pause && !allowed.resume && !allowed.endTest && !allowed.declareWinner && (
        <p>No action applies to a test that is {c.status.toLowerCase()}{c.testEndedAt ? ' and ended' : ''}.</p>
      )}
      <p role="status" className="action-status">{message.ok ?? ''}</p>
      {message.error && (
        <p role="alert" className="error">
          {message.error}
        </p>
      )}
    </section>
  );
}

function useDialog() {
  const ref = useRef<HTMLDialogElement>(null);
  return { ref, open: () => ref.current?.showModal(), close: () => ref.current?.close() };
}

function DeclareWinner({ available, campaign: c, onWinner, onClosed }: { available: boolean; campaign: TestCampaign; onWinner(w: TestWinner): void; onClosed(): void }) {
  const dialog = useDialog();
  const suggested = c.winner?.variant.id ?? c.analysis?.winner?.id ?? c.analysis?.leader?.id ?? c.variants[0]?.id ?? '';
  const [variantId, setVariantId] = useState(suggested);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string>();
  const [state, declare] = useMutation(DashTestDeclareWinnerDocument);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const p = reasonProblem(reason);
    setProblem(p);
    if (p) return;
    const r = await declare({ campaignId: c.id, variantId, reason: reason.trim() });
    if (r.error) setProblem(describeError(r.error));
    else if (r.data) {
      onWinner(r.data.declareWinner);
      setReason('');
      dialog.close();
    }
  };

  return (
    <ConfirmDialog
      dialog={dialog}
      available={available}
      trigger="Declare a winner…"
      onOpen={() => {
        setVariantId(suggested);
        setProblem(undefined);
      }}
      id="declare"
      title="Declare a winner"
      confirm="Confirm: declare the winner"
      busy={state.fetching}
      problem={problem}
      onSubmit={submit}
      onClosed={onClosed}
    >
      <p>A manual declaration is recorded with its reason, even without significance; a later declaration replaces it.</p>
      <label htmlFor="declare-variant">Winning variant</label>
      <select id="declare-variant" value={variantId} onChange={(e) => setVariantId(e.target.value)}>
        {c.variants.map((v) => (
          <option key={v.id} value={v.id}>
            {variantLabel(v)}
            {v.isControl ? ' (control)' : ''}
          </option>
        ))}
      </select>
      <label htmlFor="declare-reason">Reason (required)</label>
      <textarea
        id="declare-reason"
        rows={3}
        required
        value={reason}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? 'declare-problem' : undefined}
        onChange={(e) => setReason(e.target.value)}
      />
    </ConfirmDialog>
  );
}

function EndTest({ available, campaign: c, onStatus, onClosed }: { available: boolean; campaign: TestCampaign; onStatus(s: StatusChange): void; onClosed(): void }) {
  const dialog = useDialog();
  const partial = (c.experiment?.testAudiencePercent ?? 100) < 100;
  const [sendWinner, setSendWinner] = useState(true);
  const [problem, setProblem] = useState<string>();
  const [state, end] = useMutation(DashTestEndDocument);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await end({ campaignId: c.id, sendWinnerToRemainder: partial && sendWinner });
    if (r.error) setProblem(describeError(r.error));
    else if (r.data) {
      onStatus(r.data.endTest);
      dialog.close();
    }
  };

  return (
    <ConfirmDialog
      dialog={dialog}
      available={available}
      trigger="End the test…"
      onOpen={() => setProblem(undefined)}
      id="end"
      title="End the test?"
      confirm="Confirm: end the test"
      busy={state.fetching}
      problem={problem}
      onSubmit={submit}
      onClosed={onClosed}
    >
      <p>
        Ending closes the experiment: no more recipients are tested.
        {` ${endTestOutcome(c)}`}
      </p>
      {partial && (
        <div className="check">
          <input id="end-send-winner" type="checkbox" checked={sendWinner} onChange={(e) => setSendWinner(e.target.checked)} />
          <label htmlFor="end-send-winner">Send the winner to the remaining {100 - (c.experiment?.testAudiencePercent ?? 100)} % of the audience</label>
        </div>
      )}
    </ConfirmDialog>
  );
}

interface ConfirmDialogProps {
  dialog: ReturnType<typeof useDialog>;
  /** Whether the button that opens it shows (the dialog itself stays mounted: see TestActions). */
  available: boolean;
  trigger: string;
  onOpen(): void;
  /** Prefix of the title's and the problem's element ids. */
  id: string;
  title: string;
  confirm: string;
  busy: boolean;
  problem: string | undefined;
  onSubmit(e: FormEvent): void;
  onClosed(): void;
  children: ReactNode;
}

/** A confirmation in a modal <dialog>: the button opening it, the form's own fields, the API's refusal, confirm / cancel. */
function ConfirmDialog({ dialog, available, trigger, onOpen, id, title, confirm, busy, problem, onSubmit, onClosed, children }: ConfirmDialogProps) {
  return (
    <>
      {available && (
        <button
          type="button"
          onClick={() => {
            onOpen();
            dialog.open();
          }}
        >
          {trigger}
        </button>
      )}
      <dialog ref={dialog.ref} aria-labelledby={`${id}-title`} className="test-dialog" onClose={onClosed}>
        <form onSubmit={onSubmit} noValidate>
          <h2 id={`${id}-title`}>{title}</h2>
          {children}
          {problem && (
            <p id={`${id}-problem`} role="alert" className="error">
              {problem}
            </p>
          )}
          <div className="actions">
            <button type="submit" disabled={busy}>
              {confirm}
            </button>
            <button type="button" onClick={dialog.close}>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
