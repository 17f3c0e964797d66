"""Video export in a real browser: one frame per step at the chosen rate, drawn like the screen.

The files are checked by reading their containers (WebM's EBML blocks, MP4's fragments): the
number of video frames and their timestamps, not only the magic bytes.
"""

from __future__ import annotations

import base64
import io
import re
import struct

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("playwright")

ORANGE, BLUE = (232, 89, 12), (47, 109, 181)  # the leader and a follower, as on screen
# elements to look inside: Segment, Info, Cluster, Tracks, BlockGroup
MASTERS = {0x18538067, 0x1549A966, 0x1F43B675, 0x1654AE6B, 0xA0}


def _vint(buf: bytes, i: int, marker: bool) -> tuple[int, int, bool]:
    """An EBML variable-length integer at `i`: (value, length, all ones = unknown size)."""
    first, n = buf[i], 1
    while n <= 8 and not first & (0x80 >> (n - 1)):
        n += 1
    value = first if not marker else first & (0xFF >> n)
    for k in range(1, n):
        value = (value << 8) | buf[i + k]
    return value, n, marker and value == (1 << (7 * n)) - 1


def webm_frames(buf: bytes) -> tuple[list[float], float | None]:
    """Timestamps (s) of the WebM's blocks and the duration its header states (None: none)."""
    scale, duration, cluster, times = 1_000_000, None, 0, []
    i = 0
    while i < len(buf):
        eid, n, _ = _vint(buf, i, marker=False)
        size, m, unknown = _vint(buf, i + n, marker=True)
        i += n + m
        if eid in MASTERS:  # look inside
            continue
        body = buf[i : i + size]
        i += 0 if unknown else size
        if eid == 0x2AD7B1:  # TimecodeScale (ns per tick)
            scale = int.from_bytes(body, "big")
        elif eid == 0x4489:  # Duration (ticks, a float)
            duration = struct.unpack(">f" if size == 4 else ">d", body)[0]
        elif eid == 0xE7:  # the Cluster's Timecode
            cluster = int.from_bytes(body, "big")
        elif eid in (0xA3, 0xA1):  # (Simple)Block: track, int16 time from the cluster's, ...
            _, k, _ = _vint(body, 0, marker=True)
            times.append((cluster + struct.unpack(">h", body[k : k + 2])[0]) * scale / 1e9)
    return times, None if duration is None else duration * scale / 1e9


def mp4_frames(buf: bytes) -> list[float]:
    """Timestamps (s) of the samples of an MP4's video track (plain: stts; fragmented: trun)."""
    times: list[float] = []
    st = {"scale": 1, "base": 0, "default": 0}

    def walk(i: int, end: int) -> None:
        while i + 8 <= end:
            size, kind = struct.unpack(">I4s", buf[i : i + 8])
            body, size = i + 8, size or end - i
            if kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl", b"moof", b"traf"):
                walk(body, i + size)
            elif kind == b"stts":  # (count, duration) runs
                t = 0
                for k in range(struct.unpack(">I", buf[body + 4 : body + 8])[0]):
                    count, d = struct.unpack(">II", buf[body + 8 + 8 * k : body + 16 + 8 * k])
                    for _ in range(count):
                        times.append(t / st["scale"])
                        t += d
            elif kind == b"mdhd":
                at = body + (20 if buf[body] else 12)
                st["scale"] = struct.unpack(">I", buf[at : at + 4])[0]
            elif kind == b"tfdt":
                wide = buf[body]
                st["base"] = struct.unpack(
                    ">Q" if wide else ">I", buf[body + 4 : body + (12 if wide else 8)]
                )[0]
            elif kind == b"tfhd":
                flags, j = int.from_bytes(buf[body + 1 : body + 4], "big"), body + 8
                j += 8 if flags & 1 else 0
                j += 4 if flags & 2 else 0
                if flags & 8:
                    st["default"] = struct.unpack(">I", buf[j : j + 4])[0]
            elif kind == b"trun":
                flags = int.from_bytes(buf[body + 1 : body + 4], "big")
                count, j = struct.unpack(">I", buf[body + 4 : body + 8])[0], body + 8
                j += (4 if flags & 1 else 0) + (4 if flags & 4 else 0)
                t = st["base"]
                for _ in range(count):
                    d = st["default"]
                    if flags & 0x100:
                        d = struct.unpack(">I", buf[j : j + 4])[0]
                    j += 4 * sum(bool(flags & b) for b in (0x100, 0x200, 0x400, 0x800))
                    times.append(t / st["scale"])
                    t += d
            i += size

    walk(0, len(buf))
    return times


def has_colour(img, rgb, tol: int = 40) -> bool:
    """Whether some pixel of `img` is within `tol` of `rgb` on every channel."""
    px = np.asarray(img.convert("RGB"), dtype=int)
    return bool(np.any(np.all(np.abs(px - np.array(rgb)) <= tol, axis=-1)))


def last_picture(app, data: bytes, mime: str) -> Image.Image:
    """The video's last frame as the browser's <video> element decodes it (and its duration)."""
    b64 = base64.b64encode(data).decode("ascii")
    got = app.page.evaluate(
        """async ([b64, mime]) => {
          const raw = atob(b64), bytes = new Uint8Array(raw.length);
          for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
          const v = document.createElement('video');
          v.muted = true;
          v.src = URL.createObjectURL(new Blob([bytes], {type: mime}));
          await new Promise((ok, fail) => { v.onloadeddata = ok; v.onerror = fail; });
          const d = v.duration;
          v.currentTime = Math.max(0, d - 0.01);
          await new Promise((ok) => { v.onseeked = ok; });
          const c = document.createElement('canvas');
          c.width = v.videoWidth; c.height = v.videoHeight;
          const ctx = c.getContext('2d');
          for (let k = 0; k < 30; k++) {  // (the decoded picture can reach the element later)
            await new Promise((ok) => setTimeout(ok, 100));
            ctx.drawImage(v, 0, 0);
            const px = ctx.getImageData(0, 0, c.width, c.height).data;
            if (px.some((x, i) => i % 4 === 0 && x < 200)) break;  // something dark drawn
          }
          return [c.toDataURL('image/png'), d];
        }""",
        [b64, mime],
    )
    img = Image.open(io.BytesIO(base64.b64decode(got[0].split(",", 1)[1])))
    img.info["duration_s"] = got[1]
    return img


def choose_rate(app, rate: int) -> None:
    """Pick the video's steps per second."""
    app.page.get_by_label("video steps per second").select_option(str(rate))


def note(app):
    """The line under the Video buttons that says what was saved, and why that format."""
    return app.page.locator(".swarm-video-note")


def test_video_of_the_recent_steps_has_one_frame_per_step(app):
    """MP4 here: 21 steps (0-20) at 20 steps/s = 21 frames 50 ms apart; the picture as on screen."""
    app.play_to(20)
    choose_rate(app, 20)
    with app.page.expect_download(timeout=60_000) as info:
        app.click("Video")
    name = info.value.suggested_filename
    assert name.startswith("swarm_") and name.endswith("_steps0-20.mp4") and "_seed" in name
    data = open(info.value.path(), "rb").read()
    assert data[4:8] == b"ftyp"
    times = mp4_frames(data)
    assert times == pytest.approx([i / 20 for i in range(21)])  # every step, 50 ms apart
    said = note(app)
    said.wait_for()
    assert "MP4 (H.264)" in said.inner_text() and "21 steps at 20 steps/s" in said.inner_text()
    assert said.get_attribute("data-format") == "mp4"
    img = last_picture(app, data, "video/mp4")
    assert img.size[0] == 640 and img.size[1] % 2 == 0
    assert img.info["duration_s"] == pytest.approx(21 / 20, abs=0.3)
    assert has_colour(img, ORANGE) and has_colour(img, BLUE)  # leader and followers, as drawn
    assert app.errors == []


def test_webm_video_of_a_timeline_range_and_play_goes_on(app):
    """Without H.264: WebM (EBML) of steps 10-30 re-simulated; Play pauses for it and goes on."""
    app.play_to(40)
    app.page.evaluate(
        "(() => { const has = VideoEncoder.isConfigSupported.bind(VideoEncoder);"
        " VideoEncoder.isConfigSupported = async (c) =>"
        " c.codec.startsWith('avc') ? {supported: false} : has(c); })()"
    )
    box = app.page.get_by_label("pause at step")
    box.fill("500")
    box.press("Enter")
    choose_rate(app, 20)
    app.page.get_by_label("video from step").fill("10")
    app.page.get_by_label("video to step").fill("30")
    app.page.wait_for_timeout(300)
    app.click("Play")
    app.wait_t(lambda t: t > 42, timeout=20)
    with app.page.expect_download(timeout=60_000) as info:
        app.click("Video of range")
    assert info.value.suggested_filename.endswith("_steps10-30.webm")
    data = open(info.value.path(), "rb").read()
    assert data[:4] == bytes.fromhex("1A45DFA3")  # EBML
    times, duration = webm_frames(data)
    assert times == pytest.approx([i / 20 for i in range(21)], abs=0.0011)  # one per step
    assert duration == pytest.approx(21 / 20)
    said = note(app)
    assert "WebM (VP9)" in said.inner_text() and "cannot encode H.264" in said.inner_text()
    assert said.get_attribute("data-steps") == "21"
    img = last_picture(app, data, "video/webm")
    assert has_colour(img, ORANGE) and has_colour(img, BLUE)
    t = app.painted_t()
    app.wait_t(lambda now: now > t + 5)  # Play went on after the video
    with app.page.expect_download(timeout=60_000) as info:  # and a second video, at once
        app.click("Video")
    assert info.value.suggested_filename.endswith(".webm")
    assert app.errors == []


def test_a_range_too_long_or_outside_the_run_is_refused_inline(app):
    """A bad range: one message naming the field and the allowed steps; nothing downloads."""
    app.play_to(5)
    app.page.get_by_label("video to step").fill("50")
    app.click("Video of range")
    app.page.locator(".swarm-video-note[data-format=error]").wait_for()
    said = note(app)
    assert "video to step must be a whole number in [0, 5]" in said.inner_text()
    assert said.get_attribute("data-format") == "error"
    app.click("Step")  # the page is still up
    app.wait_t(lambda t: t == 6)
    assert app.errors == []


def test_without_any_encoder_the_video_is_a_gif_and_the_note_says_why(app):
    """No MediaRecorder, no WebCodecs: a GIF of the same steps at the chosen rate, and why."""
    for _ in range(8):
        app.click("Step")
    app.wait_t(lambda t: t == 8)
    app.page.evaluate("delete window.MediaRecorder; delete window.VideoEncoder")
    choose_rate(app, 5)
    with app.page.expect_download(timeout=60_000) as info:
        app.click("Video")
    assert info.value.suggested_filename.endswith("_steps0-8.gif")
    gif = Image.open(io.BytesIO(open(info.value.path(), "rb").read()))
    assert gif.format == "GIF" and gif.n_frames == 9  # every step, 0-8
    assert gif.info["duration"] == 200  # ms: 5 steps/s
    said = note(app)
    assert "a GIF, because this browser cannot record video (it has no MediaRecorder)" in (
        said.inner_text()
    )
    assert said.get_attribute("data-format") == "gif"
    assert app.errors == []


def test_without_webcodecs_the_recorder_records_in_real_time(app):
    """No VideoEncoder (a plain-http page): MediaRecorder's MP4, and the note says the catch."""
    for _ in range(6):
        app.click("Step")
    app.wait_t(lambda t: t == 6)
    app.page.evaluate("delete window.VideoEncoder")
    choose_rate(app, 20)
    with app.page.expect_download(timeout=60_000) as info:
        app.click("Video")
    data = open(info.value.path(), "rb").read()
    assert data[4:8] == b"ftyp" and 1 <= len(mp4_frames(data)) <= 7
    said = note(app).inner_text()
    assert "MP4 (H.264)" in said and "recorded in real time" in said and "skip steps" in said
    assert app.errors == []


def compare_and_step(app, steps: int) -> None:
    """Start compare mode (swarm B as set in its controls) and press Step `steps` times."""
    app.click("Compare")
    app.page.locator(".swarm-space").nth(1).wait_for()
    app.wait_t(lambda t: t == 0, index=1)
    for _ in range(steps):
        app.click("Step")


def test_compare_mode_video_shows_both_swarms_side_by_side(app):
    """Two swarms: one video, A left and B right (400 px each, 8 apart), a frame per step."""
    compare_and_step(app, 5)
    app.wait_t(lambda t: t == 5, index=1)
    with app.page.expect_download(timeout=60_000) as info:
        app.click("Video")
    assert "_vs-" in info.value.suggested_filename
    data = open(info.value.path(), "rb").read()
    assert len(mp4_frames(data)) == 6
    img = last_picture(app, data, "video/mp4")
    assert img.size[0] == 2 * 400 + 8
    left, right = img.crop((0, 0, 400, img.size[1])), img.crop((408, 0, 808, img.size[1]))
    assert has_colour(left, ORANGE) and has_colour(right, ORANGE)
    assert has_colour(left, BLUE) and has_colour(right, BLUE)
    assert app.errors == []


def b_ends_at_3_while_a_goes_on_to_6(app) -> None:
    """Compare mode with B's time limit 3 steps, then 6 steps: A at 6, B stopped at 3."""
    app.page.locator(".v-select", has_text="setting").click()
    app.page.get_by_role("option", name=re.compile(r"· max_steps$")).click()
    field = app.page.get_by_label("value in swarm B")
    field.fill("3")
    field.press("Enter")
    compare_and_step(app, 6)
    app.wait_t(lambda t: t == 6, index=0)
    app.wait_t(lambda t: t == 3, index=1)


def test_compare_video_pairs_the_same_steps_when_b_has_ended(app):
    """B's run ends at step 3 while A goes on to 6: the video is steps 0-3 of both swarms.

    (It paired the last steps of each: A's 3-6 beside B's 0-3, under A's step numbers.)
    """
    b_ends_at_3_while_a_goes_on_to_6(app)
    with app.page.expect_download(timeout=60_000) as info:
        app.click("Video")
    assert "_steps0-3." in info.value.suggested_filename
    assert len(mp4_frames(open(info.value.path(), "rb").read())) == 4
    assert app.errors == []


def test_compare_gif_pairs_the_same_steps_when_b_has_ended(app):
    """B ends at step 3, A goes on to 6: each GIF frame shows one step of both swarms.

    Same seed and settings but B's time limit, so at one step the two halves are the same
    picture under their labels. (The GIF paired A's steps 4 and 6 with B's 1 and 3.)
    """
    b_ends_at_3_while_a_goes_on_to_6(app)
    with app.page.expect_download(timeout=60_000) as info:
        app.click("GIF")
    gif = Image.open(io.BytesIO(open(info.value.path(), "rb").read()))
    assert gif.n_frames == 2  # steps 1 and 3, every second step ending with B's last
    for i in range(gif.n_frames):
        gif.seek(i)
        px = np.asarray(gif.convert("RGB"), dtype=int)
        half = (px.shape[1] - 8) // 2
        left, right = px[24:, :half], px[24:, half + 8 : 2 * half + 8]  # (below the labels)
        assert np.mean(np.any(left != right, axis=-1)) < 0.001, f"frame {i}: other steps"
    assert app.errors == []
