/**
 * Creating an A/B test (/tests/new): name, channel, type, primary metric, 2–8 variants with their
 * split, the experiment settings CreateCampaignInput offers, a template preview per variant
 * (previewTemplate) and the audience's live reach (estimateReach / estimateReachByChannel), both
 * asked after typing pauses (no polling). Submitted with createCampaign (then launchCampaign for
 * "Create and launch"); the API's validation reason is shown beside the form, the input kept.
 */
import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery, type CombinedError } from 'urql';
import {
  DashCreateCampaignDocument,
  DashEstimateReachDocument,
  DashLaunchNewCampaignDocument,
  DashNewTestContactsDocument,
  DashPreviewTemplateDocument,
  type Channel,
  type Metric,
  type TestMethod,
} from '../generated/graphql';
import { Link, navigate } from '../shell/navigation';
import { testPath } from '../shell/routes';
import { channelName, describeError, humanize } from '../ui/format';
import { ApiError } from '../ui/ApiError';
import {
  MAX_VARIANTS,
  MIN_VARIANTS,
  addVariant,
  describePreview,
  errorPlace,
  initialForm,
  notNumbers,
  previewVariables,
  reachVariables,
  removeVariant,
  setControl,
  splitSummary,
  toCreateInput,
  updateVariant,
  type AudienceDraft,
  type ErrorPlace,
  type NewTestForm,
  type TestType,
  type VariantDraft,
} from './new-test-model';
import './new-test.css';

/** Typing pauses this long before a preview or a reach estimate is asked for. */
const DEBOUNCE_MS = 400;
/** Contacts offered to preview the templates with (their first name, attributes, …). */
const PREVIEW_CONTACTS = 20;

const CHANNELS: Channel[] = ['SMS', 'WHATSAPP', 'EMAIL'];
const METRICS: Metric[] = ['CONVERSION', 'CLICK', 'OPEN', 'REPLY', 'POSITIVE_REPLY', 'DELIVERY', 'REVENUE', 'OPT_OUT'];
const METHODS: { value: TestMethod; label: string }[] = [
  { value: 'SEQUENTIAL', label: 'Sequential (check any time)' },
  { value: 'FIXED_HORIZON', label: 'Fixed horizon (decide at the required sample)' },
  { value: 'BAYESIAN', label: 'Bayesian' },
];

/** The value, once it has stopped changing for `ms` (compared by its JSON). */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  const json = JSON.stringify(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(JSON.parse(json) as T), ms);
    return () => clearTimeout(timer);
  }, [json, ms]);
  return settled;
}

interface SubmitError {
  error: CombinedError;
  place?: ErrorPlace;
  /** The test was created but the launch was refused: link to it. */
  createdId?: string;
  /** The form as submitted: once it differs, the reason may no longer hold (said so, not hidden). */
  submitted: string;
}

export function NewTestPage() {
  const [form, setForm] = useState<NewTestForm>(initialForm);
  const [previewContact, setPreviewContact] = useState<string>('');
  const [submitError, setSubmitError] = useState<SubmitError>();
  const [numberProblem, setNumberProblem] = useState<string>();
  const [createResult, create] = useMutation(DashCreateCampaignDocument);
  const [launchResult, launch] = useMutation(DashLaunchNewCampaignDocument);
  const busy = createResult.fetching || launchResult.fetching;
  const [contacts] = useQuery({ query: DashNewTestContactsDocument, variables: { first: PREVIEW_CONTACTS } });
  const contactList = contacts.data?.contacts.nodes ?? [];
  // The first contact by default, so a variable like {first_name} shows what a recipient reads.
  const contactId = previewContact === '' ? contactList[0]?.id : previewContact === 'none' ? undefined : previewContact;

  const set = <K extends keyof NewTestForm>(k: K, v: NewTestForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const setAudience = (k: keyof AudienceDraft, v: string) => setForm((f) => ({ ...f, audience: { ...f.audience, [k]: v } }));
  const split = splitSummary(form.variants);
  const errorId = 'new-test-error';
  // The field the API's reason points at is marked and described by the reason (after its own hint, if any).
  const invalid = (field: string, variantUid?: number, hint?: string) =>
    submitError?.place && submitError.place.field === field && submitError.place.variantUid === variantUid
      ? { 'aria-invalid': true, 'aria-describedby': hint ? `${hint} ${errorId}` : errorId }
      : { 'aria-describedby': hint };

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const andLaunch = (e.nativeEvent as SubmitEvent).submitter?.getAttribute('value') === 'launch';
    setSubmitError(undefined);
    const bad = notNumbers(form);
    setNumberProblem(bad.length ? `Not a number: ${bad.join(', ')}. Correct ${bad.length === 1 ? 'it' : 'them'} (or leave ${bad.length === 1 ? 'it' : 'them'} blank) before creating.` : undefined);
    if (bad.length) return;
    const created = await create({ input: toCreateInput(form) });
    if (created.error || !created.data) {
      if (created.error) {
        const field = created.error.graphQLErrors[0]?.extensions?.field;
        setSubmitError({ error: created.error, place: errorPlace(typeof field === 'string' ? field : undefined, form), submitted: JSON.stringify(form) });
      }
      return;
    }
    const id = created.data.createCampaign.id;
    if (andLaunch) {
      const launched = await launch({ id });
      if (launched.error) {
        setSubmitError({ error: launched.error, createdId: id, submitted: JSON.stringify(form) });
        return;
      }
    }
    navigate(testPath(id));
  }

  return (
    <section aria-labelledby="new-test-title" className="new-test">
      <p>
        <Link href="/tests">← All A/B tests</Link>
      </p>
      <h1 id="new-test-title">New A/B test</h1>
      <form onSubmit={onSubmit} noValidate aria-labelledby="new-test-title">
        <fieldset>
          <legend>Test</legend>
          <div className="nt-grid">
            <Field label="Name" hint="Shown in the list of tests.">
              {(id, hint) => <input id={id} aria-required="true" value={form.name} onChange={(e) => set('name', e.target.value)} {...invalid('name', undefined, hint)} />}
            </Field>
            <Field label="Description (optional)">
              {(id) => <input id={id} value={form.description} onChange={(e) => set('description', e.target.value)} {...invalid('description')} />}
            </Field>
            <Field label="Channel">
              {(id) => (
                <select id={id} value={form.channel} onChange={(e) => set('channel', e.target.value as Channel)} {...invalid('channel')}>
                  {CHANNELS.map((c) => (
                    <option key={c} value={c}>
                      {channelName(c)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Type" hint="A bandit sends in waves and moves traffic to the better variants as results come in.">
              {(id, hint) => (
                <select id={id} value={form.type} onChange={(e) => set('type', e.target.value as TestType)} {...invalid('type', undefined, hint)}>
                  <option value="AB_TEST">A/B test</option>
                  <option value="BANDIT">Bandit</option>
                </select>
              )}
            </Field>
            <Field label="Offer amount (optional)" hint="Fills {offer_amount} in the messages.">
              {(id, hint) => <input id={id} inputMode="decimal" value={form.offerAmount} onChange={(e) => set('offerAmount', e.target.value)} {...invalid('offerAmount', undefined, hint)} />}
            </Field>
            <Field label="Cost per message (optional)" hint="For the test's ROI; 0 when blank.">
              {(id, hint) => <input id={id} inputMode="decimal" value={form.costPerMessage} onChange={(e) => set('costPerMessage', e.target.value)} {...invalid('costPerMessage', undefined, hint)} />}
            </Field>
            <Field label="Primary metric">
              {(id) => (
                <select id={id} value={form.primaryMetric} onChange={(e) => set('primaryMetric', e.target.value as Metric)} {...invalid('experiment.primaryMetric')}>
                  {METRICS.map((m) => (
                    <option key={m} value={m}>
                      {humanize(m)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        </fieldset>

        <fieldset>
          <legend>Variants ({form.variants.length} of {MIN_VARIANTS}–{MAX_VARIANTS})</legend>
          <p className="nt-hint">
            Variables such as <code>{'{first_name}'}</code>, <code>{'{first_name|there}'}</code> (with a fallback) or <code>{'{attributes.city}'}</code> are filled per recipient.
          </p>
          <Field label="Preview with contact">
            {(id) => (
              <select id={id} value={contactList.length > 0 ? previewContact : 'none'} onChange={(e) => setPreviewContact(e.target.value)}>
                {contactList.length > 0 && <option value="">{contactLabel(contactList[0]!)} (first contact)</option>}
                {contactList.slice(1).map((c) => (
                  <option key={c.id} value={c.id}>
                    {contactLabel(c)}
                  </option>
                ))}
                <option value="none">No contact (fallbacks only)</option>
              </select>
            )}
          </Field>
          <ApiError error={contacts.error} />
          <ol className="nt-variants">
            {form.variants.map((v, i) => (
              <li key={v.uid}>
                <VariantFields
                  variant={v}
                  index={i}
                  channel={form.channel}
                  contactId={contactId}
                  variables={previewVariables(form)}
                  canRemove={form.variants.length > MIN_VARIANTS}
                  onChange={(patch) => setForm((f) => updateVariant(f, v.uid, patch))}
                  onControl={() => setForm((f) => setControl(f, v.uid))}
                  onRemove={() => setForm((f) => removeVariant(f, v.uid))}
                  invalid={(field, hint) => invalid(field, v.uid, hint)}
                />
              </li>
            ))}
          </ol>
          <button type="button" onClick={() => setForm(addVariant)} disabled={form.variants.length >= MAX_VARIANTS}>
            Add a variant
          </button>
          <p id="split-sum" className={split.ok ? 'nt-sum' : 'nt-sum nt-warn'} role="status">
            Split: {split.given} %{split.blank > 0 && split.share !== undefined ? ` typed, ${split.share} % for each of ${split.blank} blank` : ''}
            {split.problem ? ` — ${split.problem}.` : ' — adds up to 100 %.'}
          </p>
        </fieldset>

        <fieldset>
          <legend>Experiment settings</legend>
          <div className="nt-grid">
            <Field label="Method">
              {(id) => (
                <select id={id} value={form.method} onChange={(e) => set('method', e.target.value as TestMethod)} {...invalid('experiment.method')}>
                  {METHODS.map((m) => (
                    <option key={m.value} value={m.value}>
                      {m.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Confidence level (%)" hint="e.g. 95">
              {(id, hint) => <input id={id} inputMode="decimal" value={form.confidencePercent} onChange={(e) => set('confidencePercent', e.target.value)} {...invalid('experiment.confidenceLevel', undefined, hint)} />}
            </Field>
            <Field label="Minimum sample per variant">
              {(id) => <input id={id} inputMode="numeric" value={form.minSampleSize} onChange={(e) => set('minSampleSize', e.target.value)} {...invalid('experiment.minSampleSize')} />}
            </Field>
            <Field label="Test audience (%)" hint="Below 100: the rest receives the winner after the test.">
              {(id, hint) => <input id={id} inputMode="numeric" value={form.testAudiencePercent} onChange={(e) => set('testAudiencePercent', e.target.value)} {...invalid('experiment.testAudiencePercent', undefined, hint)} />}
            </Field>
            <Field label="Minimum detectable effect (%, optional)" hint="Relative lift, e.g. 20 for +20 %.">
              {(id, hint) => (
                <input id={id} inputMode="decimal" value={form.minimumDetectableEffectPercent} onChange={(e) => set('minimumDetectableEffectPercent', e.target.value)} {...invalid('experiment.minimumDetectableEffect', undefined, hint)} />
              )}
            </Field>
            <Field label="End the test after (hours, optional)">
              {(id) => <input id={id} inputMode="numeric" value={form.maxTestHours} onChange={(e) => set('maxTestHours', e.target.value)} {...invalid('experiment.maxTestHours')} />}
            </Field>
            {form.type === 'BANDIT' && (
              <>
                <Field label="Wave size (optional)" hint="Recipients per wave (at least 10); 500 when blank.">
                  {(id, hint) => <input id={id} inputMode="numeric" value={form.banditWaveSize} onChange={(e) => set('banditWaveSize', e.target.value)} {...invalid('experiment.banditWaveSize', undefined, hint)} />}
                </Field>
                <Field label="Minutes between waves (optional)" hint="60 when blank.">
                  {(id, hint) => (
                    <input id={id} inputMode="numeric" value={form.banditWaveIntervalMinutes} onChange={(e) => set('banditWaveIntervalMinutes', e.target.value)} {...invalid('experiment.banditWaveIntervalMinutes', undefined, hint)} />
                  )}
                </Field>
              </>
            )}
          </div>
          <label className="nt-check">
            <input type="checkbox" checked={form.autoSelectWinner} onChange={(e) => set('autoSelectWinner', e.target.checked)} /> Declare the winner automatically when the result is significant
          </label>
        </fieldset>

        <fieldset>
          <legend>Audience</legend>
          <p className="nt-hint">Blank fields do not filter; with every field blank the test goes to every contact. Lists are separated by commas.</p>
          <div className="nt-grid">
            <Field label="Tags (any of)">{(id) => <input id={id} value={form.audience.tags} onChange={(e) => setAudience('tags', e.target.value)} {...invalid('audience')} />}</Field>
            <Field label="Segments (any of)">{(id) => <input id={id} value={form.audience.segments} onChange={(e) => setAudience('segments', e.target.value)} />}</Field>
            <Field label="Active in the last (days)">{(id) => <input id={id} inputMode="numeric" value={form.audience.activeInLastDays} onChange={(e) => setAudience('activeInLastDays', e.target.value)} />}</Field>
            <Field label="Not messaged for (days)">{(id) => <input id={id} inputMode="numeric" value={form.audience.minDaysSinceContact} onChange={(e) => setAudience('minDaysSinceContact', e.target.value)} />}</Field>
            <Field label="Minimum engagement score (0–100)">{(id) => <input id={id} inputMode="decimal" value={form.audience.minEngagementScore} onChange={(e) => setAudience('minEngagementScore', e.target.value)} />}</Field>
            <Field label="Minimum orders">{(id) => <input id={id} inputMode="numeric" value={form.audience.minOrderCount} onChange={(e) => setAudience('minOrderCount', e.target.value)} />}</Field>
            <Field label="Minimum total spend">{(id) => <input id={id} inputMode="decimal" value={form.audience.minTotalSpend} onChange={(e) => setAudience('minTotalSpend', e.target.value)} />}</Field>
          </div>
          <Reach form={form} />
        </fieldset>

        {numberProblem && (
          <p role="alert" className="nt-error error">
            {numberProblem}
          </p>
        )}
        {submitError && (
          <div id={errorId} role="alert" className="nt-error">
            <p className="error">
              {submitError.createdId ? 'The test was created, but the launch was refused: ' : 'The API refused the test: '}
              {describeError(submitError.error)}
            </p>
            {submitError.place && <p>Where: {submitError.place.label}</p>}
            {!submitError.createdId && JSON.stringify(form) !== submitError.submitted && <p>The form has changed since: create again to have it checked.</p>}
            {submitError.createdId && (
              <p>
                <Link href={testPath(submitError.createdId)}>Open the created test</Link>
              </p>
            )}
          </div>
        )}
        <div className="actions">
          <button type="submit" value="create" disabled={busy}>
            Create
          </button>
          <button type="submit" value="launch" disabled={busy} className="nt-secondary">
            Create and launch
          </button>
          {busy && <span role="status">Saving…</span>}
        </div>
      </form>
    </section>
  );
}

function contactLabel(c: { id: string; externalId?: string | null; firstName?: string | null; lastName?: string | null }): string {
  const name = [c.firstName, c.lastName].filter(Boolean).join(' ');
  return name ? (c.externalId ? `${name} (${c.externalId})` : name) : (c.externalId ?? c.id);
}

/** A label, its control (given the ids) and an optional hint the control is described by. */
function Field(props: { label: string; hint?: string; children: (id: string, hintId: string | undefined) => ReactNode }) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  return (
    <div className="nt-field">
      <label htmlFor={id}>{props.label}</label>
      {props.children(id, hintId)}
      {props.hint && (
        <span id={hintId} className="nt-hint">
          {props.hint}
        </span>
      )}
    </div>
  );
}

interface VariantProps {
  variant: VariantDraft;
  index: number;
  channel: Channel;
  contactId?: string;
  variables?: Record<string, string>;
  canRemove: boolean;
  onChange(patch: Partial<Omit<VariantDraft, 'uid'>>): void;
  onControl(): void;
  onRemove(): void;
  invalid(field: string, hint?: string): object;
}

function VariantFields({ variant: v, index, channel, contactId, variables, canRemove, onChange, onControl, onRemove, invalid }: VariantProps) {
  const title = `Variant ${v.key.trim() || index + 1}`;
  return (
    <fieldset className="nt-variant" data-variant-index={index}>
      <legend>
        {title}
        {v.isControl ? ' (control)' : ''}
      </legend>
      <div className="nt-grid">
        <Field label={`${title}: key`} hint="Letters, digits, _ or -; blank: the next free letter.">
          {(id, hint) => <input id={id} value={v.key} onChange={(e) => onChange({ key: e.target.value })} {...invalid('key', hint)} />}
        </Field>
        <Field label={`${title}: name (optional)`}>{(id) => <input id={id} value={v.name} onChange={(e) => onChange({ name: e.target.value })} {...invalid('name')} />}</Field>
        <Field label={`${title}: weight (%)`} hint="Blank: shares what the others leave.">
          {(id, hint) => <input id={id} inputMode="decimal" value={v.weight} onChange={(e) => onChange({ weight: e.target.value })} {...invalid('weight', `${hint} split-sum`)} />}
        </Field>
        <div className="nt-field nt-control">
          <label>
            <input type="radio" name="control" checked={v.isControl} onChange={onControl} {...invalid('isControl')} /> {title} is the control
          </label>
        </div>
      </div>
      {channel === 'EMAIL' && (
        <>
          <Field label={`${title}: subject`}>{(id) => <input id={id} value={v.subject} onChange={(e) => onChange({ subject: e.target.value })} {...invalid('subject')} />}</Field>
          <Preview what="subject" template={v.subject} contactId={contactId} variables={variables} channel={channel} title={title} />
        </>
      )}
      <Field label={`${title}: message`}>
        {(id) => <textarea id={id} rows={3} value={v.template} onChange={(e) => onChange({ template: e.target.value })} {...invalid('template')} />}
      </Field>
      <Preview what="message" template={v.template} contactId={contactId} variables={variables} channel={channel} title={title} />
      {canRemove && (
        <button type="button" onClick={onRemove}>
          Remove {title}
        </button>
      )}
    </fieldset>
  );
}

/** The variant's text as a recipient reads it, and what it costs in SMS segments. */
interface PreviewProps {
  what: 'message' | 'subject';
  template: string;
  contactId?: string;
  variables?: Record<string, string>;
  channel: Channel;
  title: string;
}

function Preview({ what, template, contactId, variables, channel, title }: PreviewProps) {
  const vars = useDebounced({ template, contactId, variables }, DEBOUNCE_MS);
  const [{ data, error, fetching }] = useQuery({ query: DashPreviewTemplateDocument, variables: vars, pause: vars.template.trim() === '' });
  const p = data?.previewTemplate;
  return (
    <div className="nt-preview" data-preview={what} aria-label={`${title}: preview of the ${what}`} role="group">
      <p className="nt-preview-title">Preview of the {what}</p>
      {template.trim() === '' && <p className="nt-hint">Type the {what} to preview it.</p>}
      {error && template.trim() !== '' && (
        <ApiError error={error} />
      )}
      {p && template.trim() !== '' && (
        <>
          <p className="nt-rendered">{p.rendered}</p>
          <p className="nt-hint">
            {channel === 'SMS' && what === 'message' ? describePreview(p) : `${p.characters} characters`}
            {fetching ? ' · updating…' : ''}
          </p>
          {p.unknownVariables.length > 0 && <p className="nt-warn">Unknown variables (the API will refuse them): {p.unknownVariables.join(', ')}</p>}
          {p.missingVariables.length > 0 && <p className="nt-hint">No value for this contact: {p.missingVariables.join(', ')}</p>}
        </>
      )}
    </div>
  );
}

/** Live reach of the audience: contacts selected, and how many can receive the test on its channel. */
function Reach({ form }: { form: NewTestForm }) {
  const vars = useDebounced(reachVariables(form), DEBOUNCE_MS);
  const [{ data, error, fetching }] = useQuery({ query: DashEstimateReachDocument, variables: vars!, pause: !vars });
  return (
    <>
      <ApiError error={error} />
      <div className="nt-reach" role="status">
      {!vars && <p className="nt-warn">A number field of the audience is not a number: no estimate.</p>}
      {vars && data && (
        <p>
          Reach: <span className="reach-total">{data.estimateReach.total}</span> {data.estimateReach.total === 1 ? 'contact matches' : 'contacts match'};{' '}
          <span className="reach-channel">{data.estimateReachByChannel.withConsent}</span> reachable on {channelName(vars.channel)}
          {' '}({data.estimateReach.withConsent} on any channel){fetching ? ' · updating…' : ''}
        </p>
      )}
      {vars && !data && fetching && <p>Estimating the reach…</p>}
      </div>
    </>
  );
}
