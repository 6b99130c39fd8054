/** A safetensors file that cannot be read or written; names the file and, where known, the tensor. */
export class SafetensorsError extends Error {
  override readonly name = "SafetensorsError";
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly tensor?: string,
  ) {
    super(`${file}: ${tensor === undefined ? "" : `tensor ${JSON.stringify(tensor)}: `}${detail}`);
  }
}
