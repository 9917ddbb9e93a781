package lab

import (
	"context"
	"encoding/base64"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	vault "github.com/hashicorp/vault/api"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/encoding/protowire"
)

// Vault stamps every KV v2 version with the time it is written, so a key
// seeded now looks rotated now, whatever the Jobs and the audit log say.
// When the target's Vault exposes sys/raw (Target.VaultRawStorage), Seed
// rewrites each tenant key's KV v2 metadata entry through it so that the
// versions' created_time follow the story: see versionTimes.
//
// The entry lives at logical/<mount uuid>/<backend uuid>/metadata/<path>,
// each segment of <path> encrypted (keysutil.EncryptedKeyStorage), so the
// entries are found by walking metadata/ and decoding the key name. Its
// value is the plugin's KeyMetadata protobuf (vault-plugin-secrets-kv
// types.proto): 1 key, 2 versions (map<uint64, VersionMetadata>: entry field
// 1 the version, 2 the VersionMetadata whose field 1 is created_time, a
// google.protobuf.Timestamp), 3 current_version, 4 oldest_version,
// 5 created_time, 6 updated_time, then settings. Only the timestamps are
// re-encoded; every other field is copied byte for byte. The version
// entries below versions/ keep the time they were written: the metadata is
// what `vault kv metadata get`, the data endpoint's metadata and the tool
// read.
//
// sys/raw in Vault 1.14 returns a value as a string unless encoding=base64
// is asked (the string form replaces bytes that are not UTF-8, so it cannot
// carry a protobuf), and decompresses it unless compressed=false. Entries
// are read with both, and one that starts with a compression canary, or
// does not decode as the KeyMetadata expected, fails the seeding.

// storySuccesses is when tenant i (named tn) was rotated successfully in
// the story, newest first: the audit event time of each run it succeeded in
// (the event is written whether or not audit logging was on: the Job's log
// says it rotated), and for a stale tenant its last success over eight
// days ago (staleSuccessAt). Times after Seed's Now (a large lab's tenants late in a run) are
// held at Now.
func (w *world) storySuccesses(i int, tn string) []time.Time {
	var out []time.Time
	for _, ru := range w.runs {
		if ru.tenants[tn] == "success" {
			out = append(out, ru.tenantAt(i))
		}
	}
	if slices.Contains(w.stale, tn) {
		out = append(out, w.staleSuccessAt())
	}
	for k, at := range out {
		if at.After(w.o.Now) {
			out[k] = w.o.Now
		}
	}
	return out
}

// staleSuccessAt is the stale tenants' last successful rotation: soon after
// the orchestrator's pods started, more than the compliance limit (the
// daily interval and 7 days) ago.
func (w *world) staleSuccessAt() time.Time { return w.o.Now.Add(-podAge).Add(time.Hour) }

// versionTimes is the created_time of tenant i's key versions 1..current
// (index v-1): the current version at its last successful rotation, each
// earlier one at the success before, and a day apart before the oldest
// success the story tells.
func (w *world) versionTimes(i int, tn string, current int) []time.Time {
	succ := w.storySuccesses(i, tn)
	out := make([]time.Time, current)
	prev := w.runs[len(w.runs)-1].scheduled // no success told: a day before the recorded history
	// the current version first, then k versions before it
	for k := range current {
		at := prev.Add(-24 * time.Hour)
		if k < len(succ) {
			at = succ[k]
		}
		out[current-1-k] = at
		prev = at
	}
	return out
}

// seedVaultHistory dates every tenant's key versions by the story through
// sys/raw; a no-op unless the target says sys/raw is there.
func (w *world) seedVaultHistory(ctx context.Context) error {
	if !w.t.VaultRawStorage {
		return nil
	}
	c := w.t.Vault
	root, err := kvStorageRoot(ctx, c, w.n.KVMount)
	if err != nil {
		return err
	}
	index := make(map[string]int, len(w.tenants)) // key path → tenant index
	for i, tn := range w.tenants {
		index[w.n.TenantPath(tn)] = i
	}
	leaves, err := rawWalk(ctx, c, root+"metadata/")
	if err != nil {
		return err
	}
	keys := make([]string, len(leaves)) // the tenant key each leaf holds, "" for another key
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(vaultWriters)
	for j, entry := range leaves {
		g.Go(func() (err error) {
			keys[j], err = w.retimeEntry(gctx, c, entry, index)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	done := make(map[string]bool, len(w.tenants))
	for j, key := range keys {
		if key == "" {
			continue
		}
		if done[key] {
			return fmt.Errorf("two metadata entries in sys/raw for %s/%s (one at %s)", w.n.KVMount, key, leaves[j])
		}
		done[key] = true
	}
	for _, tn := range w.tenants {
		if p := w.n.TenantPath(tn); !done[p] {
			return fmt.Errorf("no metadata entry for %s/%s found below sys/raw/%smetadata/", w.n.KVMount, p, root)
		}
	}
	return w.checkHistory(ctx)
}

// retimeEntry rewrites one metadata entry when it is a tenant's key and
// returns the key path ("" for another key, left alone).
func (w *world) retimeEntry(ctx context.Context, c *vault.Client, entry string, index map[string]int) (string, error) {
	val, err := rawRead(ctx, c, entry)
	if err != nil {
		return "", err
	}
	key, err := metadataKey(val)
	if err != nil {
		return "", fmt.Errorf("sys/raw/%s: %w", entry, err)
	}
	i, ok := index[key]
	if !ok {
		return "", nil
	}
	tn := w.tenants[i]
	versions, _ := w.versionsOf(i, tn)
	times := w.versionTimes(i, tn, versions)
	out, err := retimeKeyMetadata(val, key, times)
	if err != nil {
		return "", fmt.Errorf("sys/raw/%s (%s/%s): %w", entry, w.n.KVMount, key, err)
	}
	if err := rawWrite(ctx, c, entry, out); err != nil {
		return "", err
	}
	return key, nil
}

// checkHistory reads every tenant's metadata back through the KV v2 API
// and fails unless each live version carries the time the story gives it.
func (w *world) checkHistory(ctx context.Context) error {
	kv := w.t.Vault.KVv2(w.n.KVMount)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(vaultWriters)
	for i, tn := range w.tenants {
		g.Go(func() error {
			p := w.n.TenantPath(tn)
			md, err := kv.GetMetadata(ctx, p)
			if err != nil {
				return fmt.Errorf("read back metadata of %s/%s: %w", w.n.KVMount, p, err)
			}
			times := w.versionTimes(i, tn, md.CurrentVersion)
			for v, vm := range md.Versions {
				var n int
				if _, err := fmt.Sscan(v, &n); err != nil || n < 1 || n > len(times) {
					return fmt.Errorf("metadata of %s/%s: version %q outside 1..%d", w.n.KVMount, p, v, len(times))
				}
				if !vm.CreatedTime.Equal(times[n-1]) {
					return fmt.Errorf("metadata of %s/%s after the sys/raw rewrite: version %d created %s, want %s", w.n.KVMount, p, n, vm.CreatedTime.UTC().Format(time.RFC3339), times[n-1].Format(time.RFC3339))
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// kvStorageRoot is the raw storage folder of the KV v2 mount's data,
// "logical/<mount uuid>/<backend uuid>/".
func kvStorageRoot(ctx context.Context, c *vault.Client, mount string) (string, error) {
	mounts, err := c.Sys().ListMountsWithContext(ctx)
	if err != nil {
		return "", fmt.Errorf("list mounts: %w", err)
	}
	m, ok := mounts[mount+"/"]
	if !ok || m.UUID == "" {
		return "", fmt.Errorf("mount %s/ or its uuid not found", mount)
	}
	base := "logical/" + m.UUID + "/"
	keys, err := rawList(ctx, c, base)
	if err != nil {
		return "", err
	}
	var dirs []string
	for _, k := range keys {
		if strings.HasSuffix(k, "/") {
			dirs = append(dirs, k)
		}
	}
	if len(dirs) != 1 {
		return "", fmt.Errorf("sys/raw/%s holds %v, want the KV v2 backend's one folder", base, keys)
	}
	root := base + dirs[0]
	inner, err := rawList(ctx, c, root)
	if err != nil {
		return "", err
	}
	if !slices.Contains(inner, "metadata/") {
		return "", fmt.Errorf("sys/raw/%s holds %v, want metadata/ (a KV v2 backend's storage)", root, inner)
	}
	return root, nil
}

// rawWalk lists every entry below dir (a folder, ending in "/"), one level
// at a time, vaultWriters folders at once.
func rawWalk(ctx context.Context, c *vault.Client, dir string) ([]string, error) {
	var leaves []string
	dirs := []string{dir}
	for len(dirs) > 0 {
		listed := make([][]string, len(dirs))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(vaultWriters)
		for j, d := range dirs {
			g.Go(func() (err error) {
				listed[j], err = rawList(gctx, c, d)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		var next []string
		for j, keys := range listed {
			for _, k := range keys {
				if strings.HasSuffix(k, "/") {
					next = append(next, dirs[j]+k)
				} else {
					leaves = append(leaves, dirs[j]+k)
				}
			}
		}
		dirs = next
	}
	return leaves, nil
}

func rawList(ctx context.Context, c *vault.Client, dir string) ([]string, error) {
	s, err := c.Logical().ListWithContext(ctx, path.Join("sys/raw", dir))
	if err != nil {
		return nil, fmt.Errorf("list sys/raw/%s (is raw_storage_endpoint on?): %w", dir, err)
	}
	if s == nil || s.Data == nil {
		return nil, nil
	}
	raw, _ := s.Data["keys"].([]any)
	keys := make([]string, 0, len(raw))
	for _, k := range raw {
		ks, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("list sys/raw/%s: key %v is not a string", dir, k)
		}
		keys = append(keys, ks)
	}
	return keys, nil
}

// rawRead reads an entry's stored bytes: base64 (a string would not carry
// them) and not decompressed, so that a compressed entry is seen as one.
func rawRead(ctx context.Context, c *vault.Client, entry string) ([]byte, error) {
	s, err := c.Logical().ReadWithDataWithContext(ctx, path.Join("sys/raw", entry),
		map[string][]string{"encoding": {"base64"}, "compressed": {"false"}})
	if err != nil {
		return nil, fmt.Errorf("read sys/raw/%s: %w", entry, err)
	}
	if s == nil || s.Data == nil {
		return nil, fmt.Errorf("read sys/raw/%s: no entry", entry)
	}
	str, ok := s.Data["value"].(string)
	if !ok {
		return nil, fmt.Errorf("read sys/raw/%s: value is %T, want a base64 string", entry, s.Data["value"])
	}
	b, err := base64.StdEncoding.DecodeString(str)
	if err != nil {
		return nil, fmt.Errorf("read sys/raw/%s: value is not base64: %w", entry, err)
	}
	switch {
	case len(b) == 0:
		return nil, fmt.Errorf("read sys/raw/%s: empty value", entry)
	case b[0] == 'G' || b[0] == 'L' || b[0] == 'S' || b[0] == '4':
		// compressutil's canaries (gzip, lzw, snappy, lz4); a KeyMetadata
		// starts with field 1's tag, 0x0a
		return nil, fmt.Errorf("read sys/raw/%s: the entry is compressed (canary %q), which this rewrite does not handle", entry, b[0])
	}
	return b, nil
}

// rawWrite replaces an existing entry (uncompressed, as it was read).
func rawWrite(ctx context.Context, c *vault.Client, entry string, b []byte) error {
	if _, err := c.Logical().WriteWithContext(ctx, path.Join("sys/raw", entry), map[string]any{
		"value": base64.StdEncoding.EncodeToString(b), "encoding": "base64",
	}); err != nil {
		return fmt.Errorf("write sys/raw/%s: %w", entry, err)
	}
	return nil
}

// KeyMetadata field numbers (vault-plugin-secrets-kv types.proto).
const (
	kmKey            protowire.Number = 1
	kmVersions       protowire.Number = 2
	kmCurrentVersion protowire.Number = 3
	kmCreatedTime    protowire.Number = 5
	kmUpdatedTime    protowire.Number = 6
	vmCreatedTime    protowire.Number = 1 // VersionMetadata
	mapKey, mapValue protowire.Number = 1, 2
)

// field is one field of a protobuf message as it was encoded.
type field struct {
	num protowire.Number
	typ protowire.Type
	val []byte // the value (for bytes: its content, without the length)
	raw []byte // tag and value, as encoded
}

// fields splits a message into its fields, in order, failing on bytes that
// are not a protobuf message.
func fields(b []byte) ([]field, error) {
	var out []field
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, fmt.Errorf("bad protobuf tag: %w", protowire.ParseError(n))
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return nil, fmt.Errorf("bad protobuf field %d: %w", num, protowire.ParseError(m))
		}
		f := field{num: num, typ: typ, val: b[n : n+m], raw: b[:n+m]}
		if typ == protowire.BytesType {
			v, k := protowire.ConsumeBytes(b[n:])
			if k < 0 {
				return nil, fmt.Errorf("bad protobuf field %d: %w", num, protowire.ParseError(k))
			}
			f.val = v
		}
		out = append(out, f)
		b = b[n+m:]
	}
	return out, nil
}

// metadataKey is the key name (field 1) of a KeyMetadata entry.
func metadataKey(b []byte) (string, error) {
	fs, err := fields(b)
	if err != nil {
		return "", fmt.Errorf("not a KV v2 key metadata protobuf: %w", err)
	}
	for _, f := range fs {
		if f.num == kmKey {
			if f.typ != protowire.BytesType {
				return "", fmt.Errorf("not a KV v2 key metadata protobuf: field 1 has wire type %d", f.typ)
			}
			return string(f.val), nil
		}
	}
	return "", fmt.Errorf("not a KV v2 key metadata protobuf: no key name (field 1)")
}

// timestamp encodes a google.protobuf.Timestamp.
func timestamp(t time.Time) []byte {
	var b []byte
	if s := t.Unix(); s != 0 {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(s))
	}
	if ns := t.Nanosecond(); ns != 0 {
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(ns))
	}
	return b
}

func appendBytesField(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// retimeKeyMetadata re-encodes a KeyMetadata entry for key with version v
// created at times[v-1], the key created at times[0] and updated at the
// current version's time. It fails unless the entry is key's, its current
// version is len(times) and every version it holds is within 1..len(times)
// with a created_time.
func retimeKeyMetadata(b []byte, key string, times []time.Time) ([]byte, error) {
	fs, err := fields(b)
	if err != nil {
		return nil, fmt.Errorf("not a KV v2 key metadata protobuf: %w", err)
	}
	var current uint64
	var seenKey, seenCreated, seenUpdated bool
	for _, f := range fs {
		switch f.num {
		case kmKey:
			seenKey = f.typ == protowire.BytesType && string(f.val) == key
		case kmCurrentVersion:
			if f.typ != protowire.VarintType {
				return nil, fmt.Errorf("current_version (field 3) has wire type %d, want varint", f.typ)
			}
			current, _ = protowire.ConsumeVarint(f.val)
		}
	}
	if !seenKey {
		return nil, fmt.Errorf("entry is not %s's metadata", key)
	}
	if current != uint64(len(times)) {
		return nil, fmt.Errorf("current_version %d, want %d (the versions seeded)", current, len(times))
	}
	out := make([]byte, 0, len(b)+16)
	for _, f := range fs {
		switch f.num {
		case kmVersions:
			if f.typ != protowire.BytesType {
				return nil, fmt.Errorf("versions (field 2) has wire type %d, want bytes", f.typ)
			}
			entry, err := retimeVersionEntry(f.val, times)
			if err != nil {
				return nil, err
			}
			out = appendBytesField(out, kmVersions, entry)
		case kmCreatedTime, kmUpdatedTime:
			if f.typ != protowire.BytesType {
				return nil, fmt.Errorf("field %d (a timestamp) has wire type %d, want bytes", f.num, f.typ)
			}
			at := times[0]
			if f.num == kmUpdatedTime {
				at, seenUpdated = times[len(times)-1], true
			} else {
				seenCreated = true
			}
			out = appendBytesField(out, f.num, timestamp(at))
		default:
			out = append(out, f.raw...)
		}
	}
	if !seenCreated || !seenUpdated {
		return nil, fmt.Errorf("no created_time or updated_time (fields 5, 6)")
	}
	return out, nil
}

// retimeVersionEntry re-encodes one versions map entry (1 version, 2
// VersionMetadata) with the version's created_time from times.
func retimeVersionEntry(b []byte, times []time.Time) ([]byte, error) {
	fs, err := fields(b)
	if err != nil {
		return nil, fmt.Errorf("versions entry: %w", err)
	}
	var v uint64
	var hasKey bool
	for _, f := range fs {
		if f.num == mapKey {
			if f.typ != protowire.VarintType {
				return nil, fmt.Errorf("versions entry key has wire type %d, want varint", f.typ)
			}
			v, _ = protowire.ConsumeVarint(f.val)
			hasKey = true
		}
	}
	if !hasKey || v < 1 || v > uint64(len(times)) {
		return nil, fmt.Errorf("versions entry for version %d, want 1..%d", v, len(times))
	}
	var out []byte
	var hasValue bool
	for _, f := range fs {
		if f.num != mapValue {
			out = append(out, f.raw...)
			continue
		}
		if f.typ != protowire.BytesType {
			return nil, fmt.Errorf("version %d metadata has wire type %d, want bytes", v, f.typ)
		}
		vm, err := fields(f.val)
		if err != nil {
			return nil, fmt.Errorf("version %d metadata: %w", v, err)
		}
		var nvm []byte
		var hasCreated bool
		for _, g := range vm {
			if g.num == vmCreatedTime {
				if g.typ != protowire.BytesType {
					return nil, fmt.Errorf("version %d created_time has wire type %d, want bytes", v, g.typ)
				}
				nvm = appendBytesField(nvm, vmCreatedTime, timestamp(times[v-1]))
				hasCreated = true
				continue
			}
			nvm = append(nvm, g.raw...)
		}
		if !hasCreated {
			return nil, fmt.Errorf("version %d has no created_time", v)
		}
		out = appendBytesField(out, mapValue, nvm)
		hasValue = true
	}
	if !hasValue {
		return nil, fmt.Errorf("version %d: no metadata in its versions entry", v)
	}
	return out, nil
}
