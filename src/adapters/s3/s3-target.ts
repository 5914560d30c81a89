/**
 * `--db s3://bucket/prefix[?endpoint=URL&region=R&path_style=true]`: where an S3 store lives and
 * how to reach it. What the query does not say comes from the usual AWS environment:
 * AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (an S3-compatible server), AWS_REGION or
 * AWS_DEFAULT_REGION (default us-east-1); credentials are the SDK's own chain (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, profiles, roles) and never part of the URL.
 * Path-style addressing is the default when an endpoint is given (most S3-compatible servers want
 * it), virtual-hosted style otherwise (AWS).
 *
 * No SDK here: the composition root tells an S3 target apart without loading it.
 */

export interface S3Target {
  readonly bucket: string;
  /** The key prefix, without a trailing slash ('' for the bucket's root). */
  readonly prefix: string;
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly pathStyle: boolean;
  /** `s3://bucket/prefix`, for messages. */
  readonly location: string;
}

export function isS3Url(target: string): boolean {
  return /^s3:\/\//i.test(target);
}

const OPTIONS = new Set(['endpoint', 'region', 'path_style']);

export function parseS3Target(target: string, env: NodeJS.ProcessEnv = process.env): S3Target {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new Error(`invalid S3 store URL '${target}': expected s3://bucket/prefix`);
  }
  const bucket = url.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new Error(`invalid bucket name '${bucket}' in '${target}': 3 to 63 lowercase letters, digits, dots, hyphens`);
  if (url.username || url.password)
    throw new Error(`the S3 store URL must not carry credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
  for (const name of url.searchParams.keys())
    if (!OPTIONS.has(name))
      throw new Error(`unknown option '${name}' in the S3 store URL (endpoint, region, path_style)`);
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  const endpoint = url.searchParams.get('endpoint') || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint))
    throw new Error(`invalid S3 endpoint '${endpoint}': expected http://host:port or https://host`);
  const region = url.searchParams.get('region') || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const style = url.searchParams.get('path_style');
  if (style !== null && style !== 'true' && style !== 'false')
    throw new Error(`path_style in the S3 store URL must be true or false, not '${style}'`);
  const pathStyle = style === null ? endpoint !== undefined : style === 'true';
  return { bucket, prefix, endpoint, region, pathStyle, location: `s3://${bucket}/${prefix}` };
}
