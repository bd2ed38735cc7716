package datasets

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/aecifar/aecifar/internal/atomicfile"
)

// HTTPClient downloads every dataset (the timeout bounds each file's whole
// transfer). Tests point the URLs at a local server; change them only before
// a download starts.
var HTTPClient = &http.Client{Timeout: 30 * time.Minute}

// userAgent is torchvision's USER_AGENT, sent with every request as it sends it.
const userAgent = "pytorch/vision"

// DownloadOptions are the keyword arguments of the download functions.
type DownloadOptions struct {
	// Progress receives torchvision's lines ("Downloading URL to FILE",
	// "Extracting FILE to DIR", "Using downloaded and verified file: FILE",
	// a mirror's "Failed to download (trying next):") and, when it is a
	// terminal, a progress bar of each transfer. nil prints nothing.
	Progress io.Writer
}

func (o DownloadOptions) printf(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format, args...)
	}
}

func downloadOptions(opts []DownloadOptions) (DownloadOptions, error) {
	switch len(opts) {
	case 0:
		return DownloadOptions{}, nil
	case 1:
		return opts[0], nil
	}
	return DownloadOptions{}, fmt.Errorf("%d DownloadOptions given, want at most one", len(opts))
}

// A Resource is one file of a dataset's release: its name on the mirrors
// and its MD5, as torchvision's resources list them.
type Resource struct {
	Filename string
	MD5      string
}

func fileMD5(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// checkIntegrity is torchvision's check_integrity: the file exists and, when
// md5 is not empty, has that MD5.
func checkIntegrity(name, md5sum string) bool {
	if info, err := os.Stat(name); err != nil || !info.Mode().IsRegular() {
		return false
	}
	if md5sum == "" {
		return true
	}
	sum, err := fileMD5(name)
	return err == nil && sum == md5sum
}

// downloadURL is torchvision's download_url(url, root, filename, md5): a
// verified copy already in root is kept ("Using downloaded and verified
// file"); otherwise url is fetched ("Downloading URL to FILE", a bar) into
// root/filename with atomicfile.Write, so the file is replaced only by a
// complete download whose MD5 is md5sum. Unlike torchvision it never retries
// an https URL over plain http.
func downloadURL(ctx context.Context, url, root, filename, md5sum string, o DownloadOptions) error {
	dst := filepath.Join(root, filename)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	if checkIntegrity(dst, md5sum) {
		o.printf("Using downloaded and verified file: %s\n", dst)
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("downloading %s failed (is the network reachable? otherwise put %s in %s by hand): %w",
			url, filename, root, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("downloading %s: server answered %s", url, resp.Status)
	}
	// torchvision prints this once its first request (for redirects) has
	// succeeded: an unreachable server or an HTTP error comes before it.
	o.printf("Downloading %s to %s\n", url, dst)
	bar := newByteBar(o.Progress, resp.ContentLength, filename)
	defer bar.finish()
	return atomicfile.Write(dst, func(w io.Writer) error {
		h := md5.New()
		if _, err := io.Copy(io.MultiWriter(w, h, bar), resp.Body); err != nil {
			return fmt.Errorf("downloading %s: %w", url, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); md5sum != "" && got != md5sum {
			return fmt.Errorf("downloaded %s has MD5 %s, want %s (corrupted download?)", url, got, md5sum)
		}
		return nil
	})
}

// downloadFromMirrors is the loop of torchvision's MNIST.download for one
// resource: each mirror in order ("Downloading URL"), until one gives a
// verified file, which extract then unpacks; a blank line after each try.
// A mirror that fails in any way (unreachable, an HTTP error, a truncated or
// corrupted transfer) is reported ("Failed to download (trying next):") and
// the next one tried; torchvision moves on only for network errors and
// gives up on a corrupted file. With every mirror failed the error names
// the file and each mirror's error.
func downloadFromMirrors(ctx context.Context, mirrors []string, res Resource, root string, o DownloadOptions, extract func(archive string) error) error {
	var errs []error
	for _, mirror := range mirrors {
		if err := ctx.Err(); err != nil {
			return err
		}
		url := mirror + res.Filename
		o.printf("Downloading %s\n", url)
		err := downloadURL(ctx, url, root, res.Filename, res.MD5, o)
		if err == nil {
			err = extract(filepath.Join(root, res.Filename))
			o.printf("\n")
			if err != nil {
				return err // the file is verified: another copy would not extract better
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		o.printf("Failed to download (trying next):\n%v\n\n", err)
		errs = append(errs, err)
	}
	return fmt.Errorf("Error downloading %s: %w", res.Filename, errors.Join(errs...))
}

// decompressGzip is torchvision's _decompress for a .gz file: it writes
// archive without its suffix next to it, atomically, printing
// "Extracting FILE to DIR" as download_and_extract_archive does.
func decompressGzip(archive string, o DownloadOptions) error {
	dir := filepath.Dir(archive)
	o.printf("Extracting %s to %s\n", archive, dir)
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("extracting %s: %w", archive, err)
	}
	dst := strings.TrimSuffix(archive, ".gz")
	return atomicfile.Write(dst, func(w io.Writer) error {
		if _, err := io.Copy(w, gz); err != nil {
			return fmt.Errorf("extracting %s: %w", archive, err)
		}
		return nil
	})
}

// extractTarDir unpacks the regular files under dir/ of a .tar.gz into a
// temporary folder in root, checks them with check, and renames the folder
// into place as root/dir, replacing an incomplete one, so that an
// interrupted run never leaves a half-written dataset. Nothing outside dir/
// is written.
func extractTarDir(archive, root, dir string, check func(dir string) error) (err error) {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(root, "."+dir+"-extract-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // after a successful rename only the empty shell remains
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		if hdr.Typeflag != tar.TypeReg || !strings.HasPrefix(name, dir+"/") || strings.Contains(name, "..") {
			continue // folders are made as needed; nothing else is trusted
		}
		dst := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, tr); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
	}
	if err := check(filepath.Join(tmp, dir)); err != nil {
		return fmt.Errorf("archive is incomplete: %w", err)
	}
	final := filepath.Join(root, dir)
	if _, err := os.Stat(final); err == nil {
		// An incomplete copy: move it aside first, as rename will not replace a folder.
		if err := os.Rename(final, filepath.Join(tmp, "old")); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.Rename(filepath.Join(tmp, dir), final)
}
