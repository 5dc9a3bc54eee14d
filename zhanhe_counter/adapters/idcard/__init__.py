"""ID card readers (身份证阅读器): GA 467 SAM protocol over serial, PC/SC and a simulator.

Entry points for the composition root: :func:`factory.build_reader` and
:func:`factory.build_photo_decoder`. Only the transports import device libraries, and only
when used, so the simulator works on a machine without pyserial or pyscard.
"""
