"""Writes the Pillow bilinear resizes PilBilinearTests compares with: python3 pil_resize.py (Debian 12: python3-pil)."""
import PIL
from PIL import Image
src = Image.open("baseline-422-restart-101x67.libjpeg.ppm").convert("RGB")
for w, h in [(40, 27), (61, 45), (150, 30), (7, 5), (101, 200), (33, 67)]:
    src.resize((w, h), Image.BILINEAR).save(f"resize-101x67-to-{w}x{h}.pil.ppm")
print("Pillow", PIL.__version__)
