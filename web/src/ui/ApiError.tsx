import { describeError } from './format';

type ApiErrorValue = Parameters<typeof describeError>[0];

/**
 * An API error in the API's own words (message, code, reason) in role="alert": the one markup every
 * section uses. `inline` renders a <span> for errors that sit inside a line of controls.
 */
export function ApiError({ error, inline = false }: { error: ApiErrorValue | null | undefined; inline?: boolean }) {
  if (!error) return null;
  return inline ? (
    <span role="alert" className="error">
      {describeError(error)}
    </span>
  ) : (
    <p role="alert" className="error">
      {describeError(error)}
    </p>
  );
}
