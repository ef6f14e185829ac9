"""CMS EnvelopedData / AuthEnvelopedData: recipients, streaming encrypt/decrypt.

Not built yet: this package is an empty namespace until the encryption issue lands. Until then
``eyp`` stores and reads the encrypted content of an ``.eyps`` as opaque bytes.
"""

__all__: list[str] = []
