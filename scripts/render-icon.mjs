// Renders media/icon.png (the Marketplace icon, 256x256) from media/icon.svg.
import sharp from 'sharp';
await sharp('media/icon.svg', { density: 300 }).resize(256, 256).png({ compressionLevel: 9 }).toFile('media/icon.png');
