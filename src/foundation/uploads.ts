// Multipart uploads for packages, droplets and buildpacks: one file field
// streamed to a temp file under a size limit, other fields kept as text. An
// upload over the limit is read to its end (so the client sees the answer,
// not a reset) but nothing more is written, and the caller answers with CC's
// error.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { ApiError, maxUploadBytes, type Ctx } from './http';

export interface Upload {
  fields: Record<string, string>;
  /** The file field was present (and written to `file`). */
  hasFile: boolean;
  /** The file part's filename, as the client named it. */
  filename?: string;
  /** The file (or the whole body) was larger than the limit. */
  tooLarge: boolean;
  limit: number;
}

const parseErr = (detail: string) => new ApiError(400, 1001, 'CF-MessageParseError', `Request invalid due to parse error: ${detail}`);

export function readUpload(c: Ctx, fileField: string, file: string): Promise<Upload> {
  const limit = maxUploadBytes();
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: c.req.headers, limits: { fieldSize: 64 * 1024 * 1024, fileSize: limit } });
    } catch {
      reject(parseErr('expected a multipart/form-data body'));
      return;
    }
    const fields: Record<string, string> = {};
    let writing: Promise<void> | undefined;
    let tooLarge = false;
    let filename: string | undefined;
    bb.on('field', (name, value) => {
      fields[name] = value;
    });
    bb.on('file', (name, stream, info) => {
      if (name !== fileField || writing) return void stream.resume();
      filename = info.filename;
      stream.on('limit', () => {
        tooLarge = true;
      });
      writing = pipeline(stream, createWriteStream(file));
    });
    bb.on('error', (err) => reject(parseErr((err as Error).message)));
    bb.on('close', () => {
      if (!writing) return resolve({ fields, hasFile: false, tooLarge, limit });
      writing.then(() => resolve({ fields, hasFile: true, filename, tooLarge, limit }), reject);
    });
    c.req.pipe(bb);
  });
}

/** CC's AppPackageInvalid (150001) for a package over `max_package_size`. */
export function packageTooLarge(limit: number): ApiError {
  return new ApiError(422, 150001, 'CF-AppPackageInvalid', `The app package is invalid: Package may not be larger than ${limit} bytes`);
}

export function dropletTooLarge(limit: number): ApiError {
  return new ApiError(422, 10008, 'CF-UnprocessableEntity', `Droplet may not be larger than ${limit} bytes`);
}
