"""Helpers the tests share, one module a topic; every name is here too, for `from helpers import X`."""

from .commands import run_cli_in_process
from .disks import can_mount_tmpfs, flip_byte, read_only, small_disk
from .films import render_story
from .hostile import HostileService, RefusingArk, http_reply
from .in_process import IN_PROCESS_BASE, ark_behind, ark_in_process, in_process_ark, settled, until_done
from .media import colour_clip, decoded_seconds, extract_frame, four_shot_cut, make_image, psnr
from .processes import REPO, ffmpeg_children, film_process, kill_at, run_cli, serve_process, under_load, until_running
from .purity import io_watch, memory_resolver
from .refusals import assert_case_refused, assert_refused_up_front
from .service import (PRO, TASKS, ark_http, counted, error_of, faults_on, paid_tasks, server_counts, tasks_by_seed,
                      text_task, wait_status)
from .store import assert_store_whole, journal_attempts, killed_while_creating, write_intent
from .storyboards import CAT, FOUR_SHOTS, TWO_SHOTS, chains_story, gateway_story, kite_chain, one_shot
from .transports import LandsAfter, LandsLate, OtherTimes

__all__ = [
    "CAT", "FOUR_SHOTS", "IN_PROCESS_BASE", "PRO", "REPO", "TASKS", "TWO_SHOTS", "HostileService", "LandsAfter", "LandsLate",
    "OtherTimes", "RefusingArk", "ark_behind", "ark_http", "ark_in_process", "assert_case_refused",
    "assert_refused_up_front", "assert_store_whole", "can_mount_tmpfs", "chains_story", "colour_clip", "counted",
    "decoded_seconds", "error_of", "extract_frame", "faults_on", "ffmpeg_children", "film_process", "flip_byte", "four_shot_cut", "kite_chain",
    "gateway_story", "http_reply", "in_process_ark", "io_watch", "journal_attempts", "kill_at",
    "killed_while_creating", "make_image", "memory_resolver", "one_shot", "paid_tasks", "psnr", "read_only",
    "render_story", "run_cli", "run_cli_in_process", "serve_process", "server_counts", "settled", "small_disk",
    "tasks_by_seed", "text_task", "under_load", "until_done", "until_running", "wait_status", "write_intent",
]
