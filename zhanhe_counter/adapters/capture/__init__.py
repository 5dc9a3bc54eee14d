"""Material capture devices (材料采集): SANE scanners, file import, a simulated camera."""
