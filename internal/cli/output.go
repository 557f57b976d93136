package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/generate"
)

// build's output directory. Everything build does there goes through an
// os.Root, so no symbolic link inside --out can make it write or delete
// outside it, and it keeps two things of its own next to the manifest:
//
//   - pendingFile, a manifest in the making: before writing anything, a
//     build lists there every file it may touch (what the old manifest
//     lists, what the new one will, and what an interrupted build had
//     listed); it is removed once the new manifest is in place and stale
//     files are gone. A build killed at any point leaves no file that
//     neither the manifest nor pendingFile lists, and the next build
//     finishes the clean-up;
//   - stagingDir, where each file is written before it is renamed into
//     place, so a document is never half-written and no temporary file
//     lies next to the documents;
//
// It also locks the directory while it writes, so two builds into one
// directory cannot interleave.
const (
	pendingFile = ".orgbackup-pending.json"
	stagingDir  = ".orgbackup-staging"
)

// maxManifestSize bounds what build reads of a manifest it finds in --out:
// a manifest of the Organizations quota of 1,000 policies is well under
// 1 MiB.
const maxManifestSize = 16 << 20

// outDir is build's output directory, opened as an os.Root.
type outDir struct {
	name string
	root *os.Root
}

// openOut opens dir, creating it first if create is set.
func openOut(dir string, create bool) (*outDir, error) {
	if create {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, unwrapPath(err))
		}
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	return &outDir{name: dir, root: r}, nil
}

func (o *outDir) Close() error { return o.root.Close() }

// escapes explains an error from os.Root: a symbolic link that leads out of
// the output directory.
func (o *outDir) wrap(what, p string, err error) error {
	if err != nil && strings.Contains(err.Error(), "escapes from parent") {
		return fmt.Errorf("%s %s: a symbolic link in %s leads outside it; build writes only inside --out\n  hint: replace the link with a directory, or choose another --out", what, path.Join(o.name, p), o.name)
	}
	return fmt.Errorf("%s %s: %w", what, path.Join(o.name, p), unwrapPath(err))
}

// listed returns the files a manifest-shaped document lists, keeping only
// paths build owns, relative, without "..".
func listed(data []byte) []string {
	var m generate.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		// Not ours, or damaged: it lists nothing to remove.
		return nil
	}
	var files []string
	for _, p := range m.Policies {
		files = append(files, p.Document, p.Pretty)
	}
	for _, b := range m.Baselines {
		for _, s := range b.StackSets {
			files = append(files, s.Template)
		}
	}
	files = slices.DeleteFunc(files, func(p string) bool {
		return !generate.Owned(p) || p != path.Clean(p) || strings.HasPrefix(p, "../") || path.IsAbs(p) || p == generate.ManifestFile
	})
	slices.Sort(files)
	return slices.Compact(files)
}

// read reads a file of the output directory, at most maxManifestSize
// bytes; a missing file reads as nil.
func (o *outDir) read(p string) ([]byte, error) {
	f, err := o.root.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, o.wrap("read", p, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxManifestSize+1))
	if err != nil {
		return nil, o.wrap("read", p, err)
	}
	if len(data) > maxManifestSize {
		return nil, fmt.Errorf("read %s: larger than %d MiB; it is not a manifest orgbackup wrote", path.Join(o.name, p), maxManifestSize>>20)
	}
	return data, nil
}

// state is what the output directory holds of build's.
type state struct {
	managed     []string // files the manifest lists
	pending     []string // files an interrupted build listed in pendingFile
	interrupted bool     // pendingFile or stagingDir is there
}

func (o *outDir) state() (*state, error) {
	st := &state{}
	m, err := o.read(generate.ManifestFile)
	if err != nil {
		return nil, err
	}
	st.managed = listed(m)
	p, err := o.read(pendingFile)
	if err != nil {
		return nil, err
	}
	if p != nil {
		st.interrupted = true
		st.pending = listed(p)
	}
	if _, err := o.root.Lstat(stagingDir); err == nil {
		st.interrupted = true
	}
	return st, nil
}

// compare lists how the directory differs from out: missing, changed, and
// stale files among those build manages, and an interrupted build.
func (o *outDir) compare(out *generate.Output) ([]string, error) {
	st, err := o.state()
	if err != nil {
		return nil, err
	}
	var diffs []string
	if st.interrupted {
		diffs = append(diffs, "interrupted: "+path.Join(o.name, pendingFile)+" (a build did not finish)")
	}
	want := map[string]bool{}
	for _, f := range out.Files {
		want[f.Path] = true
		have, err := o.root.ReadFile(f.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			diffs = append(diffs, "missing: "+path.Join(o.name, f.Path))
		case err != nil:
			return nil, o.wrap("read", f.Path, err)
		case !bytes.Equal(have, f.Data):
			diffs = append(diffs, "differs: "+path.Join(o.name, f.Path))
		}
	}
	stale := slices.Concat(st.managed, st.pending)
	slices.Sort(stale)
	for _, p := range slices.Compact(stale) {
		if want[p] {
			continue
		}
		if _, err := o.root.Lstat(p); err == nil {
			diffs = append(diffs, "stale:   "+path.Join(o.name, p))
		}
	}
	return diffs, nil
}

// write makes the directory hold out, replacing each file atomically and
// removing the files an earlier build wrote that out no longer has. See
// the comment on pendingFile for why a kill at any point loses nothing.
func (o *outDir) write(out *generate.Output) (written, removed int, err error) {
	unlock, err := lock(o.root)
	if err != nil {
		return 0, 0, fmt.Errorf("lock %s: %w", o.name, err)
	}
	defer unlock()
	st, err := o.state()
	if err != nil {
		return 0, 0, err
	}
	// Whatever an interrupted build left in staging is half-written.
	if err := o.root.RemoveAll(stagingDir); err != nil {
		return 0, 0, o.wrap("remove", stagingDir, err)
	}
	if err := o.root.Mkdir(stagingDir, 0o755); err != nil {
		return 0, 0, o.wrap("create", stagingDir, err)
	}
	want := map[string]bool{}
	all := slices.Concat(st.managed, st.pending)
	for _, f := range out.Files {
		want[f.Path] = true
		if f.Path != generate.ManifestFile {
			all = append(all, f.Path)
		}
	}
	slices.Sort(all)
	all = slices.Compact(all)
	if err := o.replace(pendingFile, pendingManifest(all)); err != nil {
		return 0, 0, err
	}
	for _, f := range out.Files {
		if have, err := o.root.ReadFile(f.Path); err == nil && bytes.Equal(have, f.Data) {
			continue
		}
		if err := o.replace(f.Path, f.Data); err != nil {
			return written, removed, err
		}
		written++
	}
	for _, p := range all {
		if want[p] {
			continue
		}
		if err := o.root.Remove(p); err == nil {
			removed++
		} else if !errors.Is(err, fs.ErrNotExist) {
			return written, removed, o.wrap("remove stale", p, err)
		}
	}
	if err := o.root.Remove(pendingFile); err != nil {
		return written, removed, o.wrap("remove", pendingFile, err)
	}
	if err := o.root.RemoveAll(stagingDir); err != nil {
		return written, removed, o.wrap("remove", stagingDir, err)
	}
	return written, removed, nil
}

// replace writes data to p atomically: to a file in stagingDir first, then
// renamed over p, so p is always either the old file or the new one.
func (o *outDir) replace(p string, data []byte) error {
	if dir := path.Dir(p); dir != "." {
		if err := o.root.MkdirAll(dir, 0o755); err != nil {
			return o.wrap("create", dir, err)
		}
	}
	tmp := path.Join(stagingDir, strings.ReplaceAll(p, "/", "~"))
	if err := o.root.WriteFile(tmp, data, 0o644); err != nil {
		return o.wrap("write", tmp, err)
	}
	if err := o.root.Rename(tmp, p); err != nil {
		return o.wrap("write", p, err)
	}
	return nil
}

// pendingManifest is a manifest that lists files, for pendingFile: the
// same shape as the manifest, so that listed reads both.
func pendingManifest(files []string) []byte {
	m := generate.Manifest{FormatVersion: generate.FormatVersion, Policies: []generate.ManifestPolicy{}, Baselines: []generate.ManifestBaseline{}}
	for _, f := range files {
		m.Policies = append(m.Policies, generate.ManifestPolicy{Name: f, Document: f, Pretty: f})
	}
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		panic("encoding a pending manifest: " + err.Error())
	}
	return data
}

// overlap reports why --out and the policy directory must not overlap:
// output inside the policy directory becomes definitions the next validate
// reads, and a policy directory where build writes (policies/ or
// baselines/ of --out) gets its hand-written files replaced. Both are
// compared as real paths, symbolic links resolved.
func overlap(dir, out string) error {
	d, o := realPath(dir), realPath(out)
	switch {
	case within(o, d):
		return fmt.Errorf("--out %s is inside the policy directory %s: the next validate would read the generated documents as definitions\n  hint: write the output next to the policy directory, e.g. --out %s", out, dir, filepath.Join(filepath.Dir(filepath.Clean(dir)), "dist"))
	case within(d, filepath.Join(o, "policies")) || within(d, filepath.Join(o, "baselines")):
		return fmt.Errorf("--out %s would write into the policy directory %s (build writes policies/ and baselines/ there), replacing hand-written files\n  hint: choose another --out, e.g. --out dist", out, dir)
	}
	return nil
}

// realPath returns p absolute with symbolic links resolved, for as much of
// it as exists.
func realPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	rest := ""
	for cur := abs; ; {
		if r, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return abs
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
