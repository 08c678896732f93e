#!/usr/bin/env bash
# Regenerates fixtures/audio/*.wav: Persian caller speech from eSpeak NG, telephone band, 8 kHz.
# Needs the Debian packages espeak-ng and sox. The WAVs are committed; tests never run this.
set -euo pipefail
cd "$(dirname "$0")/../fixtures/audio"
say() { # name voice text
  espeak-ng -v "$2" -s 160 -w "/tmp/$1.raw.wav" "$3"
  sox "/tmp/$1.raw.wav" -r 8000 -c 1 -b 16 "$1.wav" sinc 300-3400 pad 0.3 0.3
}
say outage fa+m3 'اینترنتم قطع شده چیکار کنم'
say operator fa+f3 'می‌خواهم با اپراتور صحبت کنم'
say slow fa+m3 'سرعت اینترنتم خیلی پایینه'
