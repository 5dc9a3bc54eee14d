"""Material capture on screen (材料采集): the document camera, the device choice, the preview."""
