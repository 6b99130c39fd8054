/**
 * Browser mode hands a dropped file to the lab by uploading its bytes to the server
 * (`POST /api/upload?name=`), which answers with the upload's grant id (in `path`) that
 * `datasets.detect` / `datasets.import` take; the server reads no other file. XMLHttpRequest
 * rather than fetch because only it reports upload progress.
 */

/** Bytes sent so far and in all. */
export interface UploadProgress {
  loaded: number;
  total: number;
}

/** Uploads a file; resolves to the upload's grant id. */
export function uploadFile(file: Blob & { name: string }, onProgress: (p: UploadProgress) => void, baseUrl = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${baseUrl}/api/upload?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onerror = () => reject(new Error(`Uploading ${file.name} failed: the lab server did not answer.`));
    xhr.onload = () => {
      let body: { ok?: boolean; value?: { path?: string }; error?: { message?: string } } = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        return reject(new Error(`Uploading ${file.name} failed: HTTP ${xhr.status}.`));
      }
      if (body.ok && body.value?.path) resolve(body.value.path);
      else reject(new Error(`Uploading ${file.name} failed: ${body.error?.message ?? `HTTP ${xhr.status}`}.`));
    };
    xhr.send(file);
  });
}
