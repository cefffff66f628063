/* paint: the placeholders (--placeholder with --html; docs/DESIGN.md, "The gallery"): each
 * thumbnail's <img> carries its hash (data-thumbhash, base64, or data-blurhash) and, as its
 * background colour, the hash's average colour (an opaque one's), which is all that shows with
 * scripts off. With scripts on, this one inline script decodes each hash as its image nears the
 * viewport into a small picture (ThumbHash: 32 px on its long side, the reference's size; BlurHash:
 * the same, at the image's proportions), sets it as the image's background, stretched, and takes
 * the background away once the image has loaded (so that a transparent thumbnail shows the tile
 * behind it). T decodes a ThumbHash and B a BlurHash into [width, height, RGBA], each written here
 * from its published description (the average colour and cosine terms; see decoder/thumbhash.h,
 * decoder/blurhash.h); the page holds only the one it paints. cmd/tests/gallery/check.js compares
 * what Chromium shows with the reference packages' decoding. */
#include <stdio.h>
#include <string.h>

#include "gallery/model.h"

static const char JS_THUMBHASH[] =
    "const T=s=>{"
    "const b=Uint8Array.from(atob(s),c=>c.charCodeAt(0)),"
    "H=b[0]|b[1]<<8|b[2]<<16,G=b[3]|b[4]<<8,al=H>>23,n=al?5:7,"
    "x0=G>>15?n:G&7,y0=G>>15?G&7:n,lx=Math.max(3,x0),ly=Math.max(3,y0);\n"
    "let k=0;\n"
    /* the AC terms of an nx x ny channel, in the encoder's order, as [cx, cy, 2 x value] */
    "const ac=(nx,ny,sc)=>{const v=[];"
    "for(let y=0;y<ny;y++)for(let x=y?0:1;x*ny<nx*(ny-y);x++,k++)"
    "v.push([x,y,((b[(al?6:5)+(k>>1)]>>(k&1)*4&15)/7.5-1)*sc*2]);return v};\n"
    "const L=ac(lx,ly,(H>>18&31)/31),P=ac(3,3,(G>>3&63)/50.4),Q=ac(3,3,(G>>9&63)/50.4),"
    "A=al?ac(5,5,(b[5]>>4)/15):[],"
    "r=x0/y0,w=Math.round(r>1?32:32*r),h=Math.round(r>1?32/r:32),"
    "px=new Uint8ClampedArray(w*h*4);\n"
    "for(let y=0,o=0;y<h;y++)for(let x=0;x<w;x++,o+=4){"
    "const s=(v,d)=>v.reduce((t,[i,j,c])=>"
    "t+c*Math.cos(Math.PI/w*(x+.5)*i)*Math.cos(Math.PI/h*(y+.5)*j),d),"
    "l=s(L,(H&63)/63),p=s(P,(H>>6&63)/31.5-1),q=s(Q,(H>>12&63)/31.5-1),"
    "bl=l-p*2/3,rd=(3*l-bl+q)/2;"
    "px.set([rd,rd-q,bl,s(A,al?(b[5]&15)/15:1)].map(c=>255*c),o)}\n"
    "return[w,h,px]};\n";

static const char JS_BLURHASH[] =
    "const B=(s,w,h)=>{"
    "const Z='0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~',"
    "d=t=>[...t].reduce((v,c)=>v*83+Z.indexOf(c),0),"
    "lin=v=>(v/=255)>.04045?((v+.055)/1.055)**2.4:v/12.92,"
    "srgb=v=>(v=Math.min(1,Math.max(0,v)))>.0031308?(1.055*v**(1/2.4)-.055)*255+.5|0"
    ":v*3294.6+.5|0,"
    "f=d(s[0]),nx=f%9+1,ny=(f/9|0)+1,mx=(d(s[1])+1)/166,dc=d(s.slice(2,6)),"
    "C=[[dc>>16,dc>>8&255,dc&255].map(lin)];\n"
    "for(let i=1;i<nx*ny;i++){const v=d(s.substr(4+2*i,2));"
    "C.push([v/361|0,(v/19|0)%19,v%19].map(q=>(q=(q-9)/9)*Math.abs(q)*mx))}\n"
    "const px=new Uint8ClampedArray(w*h*4);\n"
    "for(let y=0,o=0;y<h;y++)for(let x=0;x<w;x++,o+=4){const c=[0,0,0];"
    "C.forEach((t,i)=>{const f=Math.cos(Math.PI*x*(i%nx)/w)*Math.cos(Math.PI*y*(i/nx|0)/h);"
    "for(let k=0;k<3;k++)c[k]+=t[k]*f});"
    "px.set([...c.map(srgb),255],o)}\n"
    "return[w,h,px]};\n";

static const char JS_PAINT[] =
    "const io=new IntersectionObserver(es=>es.forEach(e=>{"
    "const i=e.target,t=i.dataset.thumbhash;"
    "if(!e.isIntersecting)return;io.unobserve(i);if(i.complete&&i.naturalWidth)return;"
    "const W=+i.getAttribute('width'),H=+i.getAttribute('height'),"
    "[w,h,px]=t?T(t):B(i.dataset.blurhash,W<H?Math.max(1,Math.round(32*W/H)):32,"
    "W<H?32:Math.max(1,Math.round(32*H/W))),"
    "c=document.createElement('canvas');"
    "c.width=w;c.height=h;c.getContext('2d').putImageData(new ImageData(px,w,h),0,0);"
    "i.style.background=`url(${c.toDataURL()}) 0 0/100% 100%`}),{rootMargin:'50%'});\n"
    "for(const i of document.querySelectorAll('img[data-thumbhash],img[data-blurhash]')){"
    "const done=()=>i.style.background='';"
    "if(i.complete&&i.naturalWidth)done();else{i.addEventListener('load',done);io.observe(i)}}";

/* Decodes the first n bytes of base64 text s into out: false when s is shorter or not base64. */
static bool unbase64(const char *s, uint8_t *out, int n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t acc = 0;
    int bits = 0, got = 0;
    for (; got < n && *s && *s != '='; s++) {
        const char *at = strchr(abc, *s);
        if (at == NULL)
            return false;
        acc = acc << 6 | (uint32_t)(at - abc);
        if ((bits += 6) >= 8)
            out[got++] = (uint8_t)(acc >> (bits -= 8));
    }
    return got == n;
}

static int level(double v)
{
    return (int)(255 * (v < 0 ? 0 : v > 1 ? 1 : v) + 0.5);
}

/* The average colour of a ThumbHash (base64) as CSS, into css: its header's DC terms of
 * luminance and the two colour differences. None ("") when it has alpha: with scripts off nothing
 * takes a background away once the image has loaded, and it would show through the transparent
 * parts for good (the script still paints the hash). */
static bool thumbhash_css(const char *hash, char *css, size_t size)
{
    uint8_t b[6];
    if (!unbase64(hash, b, 6))
        return false;
    uint32_t h = b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
    double l = (h & 63) / 63.0, p = (h >> 6 & 63) / 31.5 - 1, q = (h >> 12 & 63) / 31.5 - 1;
    double blue = l - 2.0 / 3 * p, red = (3 * l - blue + q) / 2, green = red - q;
    if (h >> 23) /* alpha */
        css[0] = '\0';
    else
        snprintf(css, size, "#%02x%02x%02x", level(red), level(green), level(blue));
    return true;
}

/* The average colour of a BlurHash as CSS, into css: its DC term (characters 2 to 5, base 83,
 * sRGB). None ("") when the thumbnails may have alpha (every format but JPEG), which a BlurHash
 * does not tell: see thumbhash_css. */
static bool blurhash_css(const char *hash, format_t format, char *css, size_t size)
{
    static const char abc[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                              "#$%*+,-.:;=?@[]^_{|}~";
    if (strlen(hash) < 6)
        return false;
    long v = 0;
    for (int i = 2; i < 6; i++) {
        const char *at = strchr(abc, hash[i]);
        if (at == NULL)
            return false;
        v = v * 83 + (at - abc);
    }
    if (format == FMT_JPEG)
        snprintf(css, size, "#%06lx", v & 0xffffff);
    else
        css[0] = '\0';
    return true;
}

bool paint_css(unsigned kind, const char *hash, format_t format, char *css, size_t size)
{
    return kind == PLACEHOLDER_THUMBHASH  ? thumbhash_css(hash, css, size)
           : kind == PLACEHOLDER_BLURHASH ? blurhash_css(hash, format, css, size)
                                          : false;
}

void paint_script(FILE *o, unsigned kind)
{
    fprintf(o, "<script>{\n%s%s}</script>\n",
            kind == PLACEHOLDER_THUMBHASH ? JS_THUMBHASH : JS_BLURHASH, JS_PAINT);
}
