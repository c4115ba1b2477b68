// A file of the app as `cf push` describes it to CC (CLI `sharedaction/resource.go`,
// `ccv3/resource.go`), plus where it lives locally.
export interface Resource {
  /** Relative to the app folder, forward slashes, no leading `./`. */
  path: string;
  /** Octal permission bits as a string: "644", "755"; directories "755" (CLI DefaultFolderPermissions). */
  mode: string;
  /** sha1 hex of the contents; "" for directories and symlinks (never matched). */
  checksum: { value: string };
  size_in_bytes: number;
  absPath: string;
  /** Directories and symlinks go into the zip but never into resource_matches. */
  kind: 'file' | 'dir' | 'symlink';
  /** For symlinks: the link text, stored as the zip entry's contents. */
  linkTarget?: string;
}

/** The JSON CC takes in resource_matches and the upload's `resources` field. */
export interface ApiResource {
  path: string;
  mode: string;
  checksum: { value: string };
  size_in_bytes: number;
}
