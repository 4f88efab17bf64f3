#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
static unsigned char* read_ppm(const char* p, int* w, int* h){FILE*f=fopen(p,"rb");int maxv;if(fscanf(f,"P6 %d %d %d",w,h,&maxv)!=3)exit(1);fgetc(f);unsigned char*b=malloc(*w**h*3);fread(b,1,*w**h*3,f);fclose(f);return b;}
static void write_ppm(const char*p,unsigned char*b,int w,int h){FILE*f=fopen(p,"wb");fprintf(f,"P6\n%d %d\n255\n",w,h);fwrite(b,1,w*h*3,f);fclose(f);}
int main(int argc,char**argv){
 if(!strcmp(argv[1],"enc")){int w,h;unsigned char*b=read_ppm(argv[2],&w,&h);
  struct jpeg_compress_struct c;struct jpeg_error_mgr e;c.err=jpeg_std_error(&e);jpeg_create_compress(&c);FILE*o=fopen(argv[3],"wb");jpeg_stdio_dest(&c,o);
  c.image_width=w;c.image_height=h;c.input_components=3;c.in_color_space=JCS_RGB;jpeg_set_defaults(&c);if(getenv("GRAY"))jpeg_set_colorspace(&c,JCS_GRAYSCALE);jpeg_set_quality(&c,atoi(argv[4]),TRUE);if(argc>5){c.comp_info[0].h_samp_factor=atoi(argv[5]);c.comp_info[0].v_samp_factor=atoi(argv[6]);}
  if(argc>7&&atoi(argv[7]))jpeg_simple_progression(&c);
  if(argc>8)c.restart_in_rows=atoi(argv[8]);
  if(argc>9&&atoi(argv[9]))c.optimize_coding=TRUE;
  jpeg_start_compress(&c,TRUE);while(c.next_scanline<c.image_height){JSAMPROW r=b+c.next_scanline*w*3;jpeg_write_scanlines(&c,&r,1);}jpeg_finish_compress(&c);fclose(o);return 0;}
 if(!strcmp(argv[1],"dec")){struct jpeg_decompress_struct d;struct jpeg_error_mgr e;d.err=jpeg_std_error(&e);jpeg_create_decompress(&d);FILE*i=fopen(argv[2],"rb");jpeg_stdio_src(&d,i);jpeg_read_header(&d,TRUE);
  d.out_color_space=JCS_RGB;jpeg_start_decompress(&d);int w=d.output_width,h=d.output_height;unsigned char*b=malloc(w*h*3);
  while(d.output_scanline<d.output_height){JSAMPROW r=b+d.output_scanline*w*3;jpeg_read_scanlines(&d,&r,1);}jpeg_finish_decompress(&d);write_ppm(argv[3],b,w,h);
  printf("decoded %dx%d sampling %dx%d\n",w,h,d.comp_info[0].h_samp_factor,d.comp_info[0].v_samp_factor);return 0;}
 if(!strcmp(argv[1],"cmp")){int w,h,w2,h2;unsigned char*a=read_ppm(argv[2],&w,&h),*b=read_ppm(argv[3],&w2,&h2);
  float mean[3]={0.485f,0.456f,0.406f},std[3]={0.229f,0.224f,0.225f};int maxd=0;long nd=0;double sad=0;
  double tv[2]={0,0};unsigned char* im[2]={a,b};
  for(int k=0;k<w*h*3;k++){int d=abs(a[k]-b[k]);if(d>maxd)maxd=d;if(d)nd++;sad+=d;}
  for(int m=0;m<2;m++){for(int c=0;c<3;c++)for(int y=0;y<h-1;y++)for(int x=0;x<w-1;x++){
    #define V(yy,xx) ((im[m][((yy)*w+(xx))*3+c]/255.0f-mean[c])/std[c])
    float d1=V(y,x+1)-V(y,x),d2=V(y+1,x)-V(y,x);tv[m]+=(double)d1*d1+(double)d2*d2;}}
  printf("max diff %d, differing %.4f, mean abs %.4f, tv %.6g vs %.6g rel %.3g\n",maxd,(double)nd/(w*h*3),sad/(w*h*3),tv[0],tv[1],(tv[1]-tv[0])/tv[0]);return 0;}
}
