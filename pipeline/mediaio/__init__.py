"""Media on disk, through the ffmpeg binary or by reading headers; nothing here knows a storyboard's
meaning or a film's edit.

    binary   find the ffmpeg binary (FFMPEG, PATH, the imageio-ffmpeg wheel); check it once, by a trial
    runner   run it, within deadlines
    probe    what a file holds (size, fps, exact frame count, sound, chapters) and how loud it is
    frames   a video's last frame as PNG
    mp4box   frame counts and codec setup read straight from MP4 boxes, without ffmpeg
    images   image format and size read from the header
    inputs   the rim: the storyboard file and the media it names, checked before anything is spent
"""
