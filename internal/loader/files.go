package loader

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
)

// MaxFileSize bounds what the loader reads from any one file. A backup
// policy is at most 10,000 characters; even a large CUE file of shared
// definitions is far below this, so anything bigger is a mistake (a build
// artefact or a log committed into policies/) and reading it would only make
// validation slow.
const MaxFileSize = 4 << 20

// SnapshotSuffix marks org snapshot files, which live next to the policies
// but are not policies.
const SnapshotSuffix = ".snapshot.json"

// source is one definition file.
type source struct {
	name string // display path: relative to the working directory, forward slashes
	data []byte
	json bool
}

// discover lists the .cue and .json files below dir. It follows symbolic
// links, to the directory itself and to subdirectories (a policy
// directory shared between repositories is often a link), but never into
// a directory it is already inside or has read, so a link loop cannot make
// it run forever; it skips hidden directories, cue.mod, testdata, and
// build output that an older orgbackup wrote into the policy directory.
func discover(dir, cwd string) (srcs []source, snapshots []string, diags diag.List) {
	info, err := os.Stat(dir)
	if err != nil {
		d := diag.Errorf("input", doc.Pos{File: display(cwd, dir)}, "cannot read policy directory: %v", cleanErr(err))
		if errors.Is(err, fs.ErrNotExist) {
			d = d.WithHint("pass the directory that holds your policy definitions, e.g. `orgbackup validate policies`")
		}
		return nil, nil, diag.List{d}
	}
	if !info.IsDir() {
		return nil, nil, diag.List{diag.Errorf("input", doc.Pos{File: display(cwd, dir)}, "not a directory").
			WithHint("pass the directory that holds your policy definitions, e.g. `orgbackup validate policies`")}
	}
	w := &walker{cwd: cwd, seen: map[string]bool{}}
	w.dir(dir, 0)
	slices.SortFunc(w.srcs, func(a, b source) int { return strings.Compare(a.name, b.name) })
	slices.Sort(w.snapshots)
	return w.srcs, w.snapshots, w.diags
}

// maxDirDepth bounds how deep discover descends: policy directories are
// flat or nearly so.
const maxDirDepth = 32

type walker struct {
	cwd       string
	root      string          // real path of the policy directory
	seen      map[string]bool // real paths of the directories read
	srcs      []source
	snapshots []string
	diags     diag.List
}

// dir reads the directory at path, named as the user reaches it (through
// links), depth levels below the policy directory.
func (w *walker) dir(path string, depth int) {
	name := display(w.cwd, path)
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		w.diags = append(w.diags, diag.Errorf("input", doc.Pos{File: name}, "cannot read: %v", cleanErr(err)).
			WithHint("check the permissions of %s, or move it out of the policy directory", name))
		return
	}
	if w.seen[real] {
		// A link back into the tree: its files are read already.
		return
	}
	if depth == 0 {
		w.root = real
	} else if rel, err := filepath.Rel(real, w.root); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		// A link up to a directory that holds the policy directory would
		// read the whole tree around it.
		w.diags = append(w.diags, diag.Warningf("input", doc.Pos{File: name}, "%s leads back up to a directory that holds the policy directory; not followed", name).
			WithHint("remove the link, or point it at a directory of definitions"))
		return
	}
	w.seen[real] = true
	if depth > maxDirDepth {
		w.diags = append(w.diags, diag.Errorf("input", doc.Pos{File: name}, "directories nest more than %d levels below the policy directory", maxDirDepth).
			WithHint("keep policy definitions in a shallow tree"))
		return
	}
	if depth > 0 && isBuildOutput(path) {
		w.diags = append(w.diags, diag.Warningf("build-output", doc.Pos{File: name}, "%s holds orgbackup build output (a manifest.json); skipped", name).
			WithHint("move it out of the policy directory (build refuses to write there now), e.g. to dist next to it"))
		return
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		w.diags = append(w.diags, diag.Errorf("input", doc.Pos{File: name}, "cannot read policy directory: %v", cleanErr(err)).
			WithHint("check the permissions of %s, or move it out of the policy directory", name))
		return
	}
	for _, e := range entries {
		w.entry(filepath.Join(path, e.Name()), e, depth)
	}
}

func (w *walker) entry(path string, d fs.DirEntry, depth int) {
	name := display(w.cwd, path)
	// Problems with a file as a whole point at its first line, so that
	// editors and CI annotations can jump to the file.
	at := doc.Pos{File: name, Line: 1, Col: 1}
	ext := filepath.Ext(path)
	typ := d.Type()
	if typ&fs.ModeSymlink != 0 {
		st, err := os.Stat(path)
		switch {
		case err != nil && (ext == ".cue" || ext == ".json"):
			w.diags = append(w.diags, diag.Errorf("input", at, "cannot follow symbolic link: %v", cleanErr(err)).
				WithHint("point the link at an existing definition file, or remove it"))
			return
		case err != nil:
			return
		}
		typ = st.Mode().Type()
	}
	if typ.IsDir() {
		if strings.HasPrefix(d.Name(), ".") || d.Name() == "cue.mod" || d.Name() == "testdata" {
			return
		}
		if ext == ".cue" || ext == ".json" {
			// Most likely a file that was meant to be here, or an
			// unpacked archive; its contents would silently count.
			w.diags = append(w.diags, diag.Errorf("input", doc.Pos{File: name}, "%s is a directory, not a definition file", d.Name()).
				WithHint("rename the directory so its name does not end in %s, or replace it with the file", ext))
			return
		}
		w.dir(path, depth+1)
		return
	}
	if ext != ".cue" && ext != ".json" {
		return
	}
	if !typ.IsRegular() {
		if d.Type()&fs.ModeSymlink != 0 {
			w.diags = append(w.diags, diag.Errorf("input", at, "symbolic link does not point to a regular file").
				WithHint("point the link at a definition file, or remove it"))
		}
		return
	}
	if strings.HasSuffix(path, SnapshotSuffix) {
		w.snapshots = append(w.snapshots, name)
		return
	}
	data, dd := readBounded(path, name)
	if dd != nil {
		w.diags = append(w.diags, *dd)
		return
	}
	w.srcs = append(w.srcs, source{name: name, data: data, json: ext == ".json"})
}

// isBuildOutput reports whether dir is a directory orgbackup build wrote:
// its manifest.json has the manifest's shape. Older releases let build
// write into the policy directory, and the documents there would be read
// as definitions.
func isBuildOutput(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return false
	}
	defer f.Close()
	var m struct {
		FormatVersion *string           `json:"format_version"`
		Policies      []json.RawMessage `json:"policies"`
		Baselines     []json.RawMessage `json:"baselines"`
	}
	if err := json.NewDecoder(io.LimitReader(f, MaxFileSize)).Decode(&m); err != nil {
		return false
	}
	return m.FormatVersion != nil && m.Policies != nil && m.Baselines != nil
}

// readBounded reads a definition file, refusing files that are too large or
// not text, so hostile input cannot exhaust memory or reach the parsers as
// binary junk.
func readBounded(path, name string) ([]byte, *diag.Diagnostic) {
	at := doc.Pos{File: name, Line: 1, Col: 1}
	f, err := os.Open(path)
	if err != nil {
		d := diag.Errorf("input", at, "cannot read: %v", cleanErr(err)).
			WithHint("check the permissions of %s, or move it out of the policy directory", name)
		return nil, &d
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		d := diag.Errorf("input", at, "cannot read: %v", cleanErr(err)).
			WithHint("check that %s is a regular, readable file", name)
		return nil, &d
	}
	if len(data) > MaxFileSize {
		d := diag.Errorf("file-too-large", at, "file is larger than %d MiB", MaxFileSize>>20).
			WithHint("policy definitions are small text files; move generated or unrelated files out of the policy directory")
		return nil, &d
	}
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		// Some editors write one; CUE and JSON parsers call it an illegal
		// character, which sends people looking for a typo they cannot see.
		d := diag.Errorf("not-text", at, "file starts with a UTF-8 byte-order mark (U+FEFF), which CUE and JSON do not allow").
			WithHint(`save the file as UTF-8 without a byte-order mark (in most editors the encoding "UTF-8", not "UTF-8 with BOM")`)
		return nil, &d
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		d := diag.Errorf("not-text", offsetPos(name, data, i), "file holds binary data (a NUL byte), not text").
			WithHint("definition files are UTF-8 text; move binary files out of the policy directory")
		return nil, &d
	}
	if !utf8.Valid(data) {
		i := invalidUTF8(data)
		d := diag.Errorf("not-text", offsetPos(name, data, i), "file is not valid UTF-8 (byte 0x%02X)", data[i]).
			WithHint("save the file as UTF-8; other encodings such as Latin-1 are not supported")
		return nil, &d
	}
	return data, nil
}

func invalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return 0
}

// offsetPos converts a byte offset to a position.
func offsetPos(name string, data []byte, off int) doc.Pos {
	line, col := 1, 1
	for i := 0; i < off && i < len(data); i++ {
		if data[i] == '\n' {
			line++
			col = 1
		} else if data[i] < 0x80 || data[i] >= 0xC0 {
			col++
		}
	}
	return doc.Pos{File: name, Line: line, Col: col}
}

// display returns path relative to cwd with forward slashes, the way
// positions are printed: short, and clickable in terminals and CI logs.
func display(cwd, path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	rel, err := filepath.Rel(cwd, abs)
	if err != nil || strings.HasPrefix(rel, ".."+string(filepath.Separator)) && len(rel) > len(abs) {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(rel)
}

// cleanErr drops the path from *fs.PathError: the diagnostic already names
// the file.
func cleanErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// DisplayPath returns p the way diagnostics print file names: relative to
// the working directory, with forward slashes.
func DisplayPath(p string) string {
	cwd, err := os.Getwd()
	if err != nil {
		return filepath.ToSlash(p)
	}
	return display(cwd, p)
}
