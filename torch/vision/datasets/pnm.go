package datasets

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"io"
)

// decodePNM reads the Netpbm formats torchvision's ImageFolder accepts
// (.ppm, .pgm) and their siblings: P1/P4 bitmaps, P2/P5 graymaps and P3/P6
// pixmaps, ASCII or binary. Samples are scaled to 8 bits as v·255/maxval,
// rounded; for 16-bit files (maxval > 255) that is close to PIL's keeping
// of the high byte but not always equal.
func decodePNM(r io.Reader) (image.Image, error) {
	br := bufio.NewReader(r)
	magic := make([]byte, 2)
	if _, err := io.ReadFull(br, magic); err != nil {
		return nil, err
	}
	kind := magic[1]
	if magic[0] != 'P' || kind < '1' || kind > '6' {
		return nil, errors.New("pnm: bad magic")
	}
	w, err := pnmInt(br)
	if err != nil {
		return nil, fmt.Errorf("pnm: width: %w", err)
	}
	h, err := pnmInt(br)
	if err != nil {
		return nil, fmt.Errorf("pnm: height: %w", err)
	}
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("pnm: bad size %dx%d", w, h)
	}
	if err := checkPixels("pnm", w, h); err != nil {
		return nil, err
	}
	maxval := 1
	if kind != '1' && kind != '4' {
		if maxval, err = pnmInt(br); err != nil {
			return nil, fmt.Errorf("pnm: maxval: %w", err)
		}
		if maxval <= 0 || maxval > 65535 {
			return nil, fmt.Errorf("pnm: bad maxval %d", maxval)
		}
	}
	if kind >= '4' {
		// Exactly one whitespace byte separates the header from binary data.
		if _, err := br.ReadByte(); err != nil {
			return nil, err
		}
	}
	scale := func(v int) uint8 {
		if v > maxval {
			v = maxval
		}
		return uint8((v*255 + maxval/2) / maxval)
	}
	channels := map[byte]int{'1': 1, '2': 1, '3': 3, '4': 1, '5': 1, '6': 3}[kind]
	values := make([]uint8, w*h*channels)
	switch kind {
	case '1': // plain bitmap: one digit per pixel, whitespace optional
		for i := range values {
			v, err := pnmBit(br)
			if err != nil {
				return nil, fmt.Errorf("pnm: sample %d: %w", i, err)
			}
			values[i] = v
		}
	case '2', '3':
		for i := range values {
			v, err := pnmInt(br)
			if err != nil {
				return nil, fmt.Errorf("pnm: sample %d: %w", i, err)
			}
			values[i] = scale(v)
		}
	case '4':
		row := make([]byte, (w+7)/8)
		for y := range h {
			if _, err := io.ReadFull(br, row); err != nil {
				return nil, fmt.Errorf("pnm: row %d: %w", y, err)
			}
			for x := range w {
				values[y*w+x] = row[x/8] >> (7 - x%8) & 1
			}
		}
	default:
		size := 1
		if maxval > 255 {
			size = 2
		}
		raw := make([]byte, len(values)*size)
		if _, err := io.ReadFull(br, raw); err != nil {
			return nil, fmt.Errorf("pnm: pixel data: %w", err)
		}
		for i := range values {
			if size == 2 {
				values[i] = scale(int(raw[2*i])<<8 | int(raw[2*i+1]))
			} else {
				values[i] = scale(int(raw[i]))
			}
		}
	}
	if kind == '1' || kind == '4' { // bitmaps: 1 is black
		for i, v := range values {
			values[i] = 255 * (1 - v)
		}
	}
	if channels == 1 {
		g := image.NewGray(image.Rect(0, 0, w, h))
		copy(g.Pix, values)
		return g, nil
	}
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		m.Pix[4*i], m.Pix[4*i+1], m.Pix[4*i+2], m.Pix[4*i+3] = values[3*i], values[3*i+1], values[3*i+2], 255
	}
	return m, nil
}

// pnmInt reads a decimal header field or ASCII sample, skipping whitespace
// and # comments.
func pnmInt(br *bufio.Reader) (int, error) {
	var c byte
	var err error
	for {
		if c, err = br.ReadByte(); err != nil {
			return 0, err
		}
		if c == '#' {
			if _, err := br.ReadString('\n'); err != nil {
				return 0, err
			}
			continue
		}
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
			continue
		}
		break
	}
	if c < '0' || c > '9' {
		return 0, fmt.Errorf("unexpected byte %q", c)
	}
	n := 0
	for c >= '0' && c <= '9' {
		n = n*10 + int(c-'0')
		if n > 1<<24 {
			return 0, errors.New("number too large")
		}
		if c, err = br.ReadByte(); err != nil {
			if err == io.EOF {
				return n, nil
			}
			return 0, err
		}
	}
	return n, br.UnreadByte()
}

func pnmBit(br *bufio.Reader) (uint8, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case '0', '1':
			return c - '0', nil
		case '#':
			if _, err := br.ReadString('\n'); err != nil {
				return 0, err
			}
		case ' ', '\t', '\n', '\r', '\v', '\f':
		default:
			return 0, fmt.Errorf("unexpected byte %q", c)
		}
	}
}
